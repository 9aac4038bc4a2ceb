"""Fixtures of the award tests: this year's cycle with its jury, and volunteers who
served this year."""

from datetime import datetime, timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.awards import cycles
from mentorship.awards.models import Juror
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.volunteering.models import Commitment


@pytest.fixture
def today(app):
    with app.app_context():
        return programme_today()


@pytest.fixture
def served(app, make_user, today):
    """A volunteer who served in ``role`` this year."""

    def make(role="mentor", name=None, **kwargs):
        account = make_user("resident", name=name, **kwargs)
        with app.app_context():
            start = add_months(today, -2)
            db.session.add(Commitment(user_id=account.id, role=role, status="active",
                                      current_role=role, start_date=start,
                                      end_date=add_months(start, 6), min_months=6))
            db.session.commit()
        return account

    return make


@pytest.fixture
def cycle(app, make_user, today):
    """This year's cycle, nominations open, with two jurors (the first chairs)."""
    jurors = [make_user("coordinator"), make_user("coordinator")]
    with app.app_context():
        item = cycles.create_cycle(
            db.session.get(User, jurors[0].id), year=today.year,
            nominations_open_on=today - timedelta(days=5),
            nominations_close_on=today + timedelta(days=5),
            voting_deadline=today + timedelta(days=10),
            ceremony_at=datetime(today.year, 12, 20, 17), ceremony_place="Town hall",
            descriptions={}, shortlist_size=2)
        item.state = "nominations_open"
        item.jurors = [Juror(user_id=j.id) for j in jurors]
        item.chair_id = jurors[0].id
        db.session.commit()
        return item.id, {c.code: c.id for c in item.categories}, jurors
