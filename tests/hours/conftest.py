from datetime import timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest, Match
from mentorship.volunteering.models import Commitment


@pytest.fixture
def today(app):
    with app.app_context():
        return programme_today()


@pytest.fixture
def matched_volunteer(app, make_user):
    """A volunteer with an active commitment (started 2 months ago) and an active match.

    Returns (volunteer account, newcomer account, match id)."""

    def make(name="Vera Volunteer", role="mentor"):
        volunteer = make_user("resident", name=name)
        newcomer = make_user("newcomer", name="Nadia Newcomer")
        with app.app_context():
            today = programme_today()
            start = add_months(today, -2)
            commitment = Commitment(user_id=volunteer.id, role=role, current_role=role,
                                    status="active", start_date=start,
                                    end_date=add_months(start, 6), min_months=6)
            request = BuddyRequest(user_id=newcomer.id, role=role, current_role=role,
                                   status="matched", needs=["customs"], availability=[],
                                   preferred_contact="email")
            match = Match(request=request, commitment=commitment, volunteer_id=volunteer.id,
                          newcomer_id=newcomer.id, status="active")
            db.session.add_all([commitment, request, match])
            db.session.commit()
            volunteer.match_id, volunteer.commitment_start = match.id, start
            return volunteer, newcomer, match.id

    return make


def entry_form(match_id, day, hours=1, minutes=30, activity="meeting", **extra):
    data = {"day": day.isoformat(), "hours": str(hours), "minutes": str(minutes),
            "activity": activity, "match": str(match_id or ""), "note": "Coffee",
            "token": extra.pop("token", None) or f"tok-{day}-{hours}-{minutes}-{activity}"}
    data.update(extra)
    return data


def minus(day, days):
    return day - timedelta(days=days)


def user(account):
    return db.session.get(User, account.id)
