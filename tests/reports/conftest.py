"""A three-year programme small enough to count by hand (build_three_years)."""

from datetime import date, datetime, time, timedelta
from uuid import uuid4

import pytest

from mentorship.accounts.models import User, UserRole
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.matching.models import BuddyRequest, Match
from mentorship.recognition.models import Partner, Pass, Perk
from mentorship.training.models import Certificate
from mentorship.volunteering.models import Commitment


@pytest.fixture
def today(app):
    with app.app_context():
        return programme_today()


@pytest.fixture
def three_years(app):
    """The programme of build_three_years; returns year A."""
    return build_three_years(app)


def build_three_years(app):
    """Build the programme below (years A, B, C = three, two and one years ago: whole years
    in the past, so that the figures do not depend on today's date):

    Commitments (v = resident volunteers):
      v1–v6  mentor, completed: A-03-01 → A-09-01 (completed_on; ended_on stays empty)
      v1, v2 renewed as mentors, completed: A-09-01 → B-03-01
      v7–v9  language buddy, ended early: A-10-01, ended_on B-01-20
      v10–v14 housing helper, still active: B-06-01 → 30 days from today
      v15    mentor, still waiting for training (never counts)
    Matches (n = newcomers):
      M1 v1–n1   A-03-10 → completed A-08-25      M2 v2–n2  A-03-15 → completed B-02-20
      M3, M4, M6 v3,v4,v6–n3,n4,n6  A-03-15 → completed A-08-30
      M5 v5–n5   A-03-15 → completed B-01-10 (outlives v5's commitment)
      M7 v7–n7   A-10-20 → ended early B-01-20
      M8 v10–n8  B-06-10 → still active         M9 v11–n9  B-12-20 → completed C-03-05
      M10 v12–n1 C-02-01 → still active (n1's second buddy)
      M11 v13–n10 proposed, never accepted
    Approved hours: A-04 v1–v6 2 h each; A-05 v1, v2 1.5 h each; A-06 v1–v5 1 h each;
      B-07 v10–v14 3 h each; C-01 v10, v11 1 h each (plus pending and rejected entries).
    Certificates: A-02 ×6, A-05 ×5 (v1–v5 again, another role), A-09 ×3, B-05 ×5.
    Passes used: B-08 ×2.
    """
    with app.app_context():
        today = programme_today()
    a = today.year - 3
    b, c = a + 1, a + 2
    d = date
    with app.app_context():
        # No password: hashing 25 of them would only slow the tests down.
        people = [User(name=f"{kind.title()} {i}", email=f"{kind}{i}-{uuid4().hex}@example.org",
                       password_hash="!", locale="en", roles=[UserRole(role=role)])
                  for kind, role, count in (("volunteer", "resident", 15),
                                            ("newcomer", "newcomer", 10))
                  for i in range(1, count + 1)]
        db.session.add_all(people)
        db.session.flush()
        v = dict(enumerate(people[:15], start=1))
        n = dict(enumerate(people[15:], start=1))

        def commitment(who, role, status, start, end, **extra):
            if status != "awaiting_training":  # it was active from its start
                extra.setdefault("activated_at", datetime.combine(start, time(9)))
            row = Commitment(user_id=v[who].id, role=role, status=status, start_date=start,
                             end_date=end, min_months=6, **extra)
            db.session.add(row)
            return row

        first = {i: commitment(i, "mentor", "completed", d(a, 3, 1), d(a, 9, 1),
                               completed_on=d(a, 9, 1)) for i in range(1, 7)}
        renewed = {i: commitment(i, "mentor", "completed", d(a, 9, 1), d(b, 3, 1),
                                 completed_on=d(b, 3, 1), renewed_from=first[i])
                   for i in (1, 2)}
        early = {i: commitment(i, "language_buddy", "ended_early", d(a, 10, 1), d(b, 4, 1),
                               ended_on=d(b, 1, 20), end_reason="moved_away")
                 for i in (7, 8, 9)}
        active = {i: commitment(i, "housing_helper", "active", d(b, 6, 1),
                                today + timedelta(days=30), current_role="housing_helper")
                  for i in range(10, 15)}
        commitment(15, "mentor", "awaiting_training", d(a, 5, 1), d(a, 11, 1),
                   current_role="mentor")

        def match(who, newcomer, held, status, activated, ended=None):
            request = BuddyRequest(user_id=n[newcomer].id, role=held.role, status="closed",
                                   needs=[], availability=[], preferred_contact="email",
                                   created_at=datetime(a, 1, 1))
            db.session.add(Match(request=request, commitment=held, volunteer_id=v[who].id,
                                 newcomer_id=n[newcomer].id, status=status,
                                 activated_at=activated, ended_at=ended))

        match(1, 1, first[1], "completed", datetime(a, 3, 10), datetime(a, 8, 25, 12))
        match(2, 2, renewed[2], "completed", datetime(a, 3, 15), datetime(b, 2, 20, 12))
        for i in (3, 4, 6):
            match(i, i, first[i], "completed", datetime(a, 3, 15), datetime(a, 8, 30, 12))
        match(5, 5, first[5], "completed", datetime(a, 3, 15), datetime(b, 1, 10, 12))
        match(7, 7, early[7], "ended_early", datetime(a, 10, 20), datetime(b, 1, 20, 12))
        match(10, 8, active[10], "active", datetime(b, 6, 10))
        match(11, 9, active[11], "completed", datetime(b, 12, 20), datetime(c, 3, 5, 12))
        match(12, 1, active[12], "active", datetime(c, 2, 1))
        match(13, 10, active[13], "proposed", None)

        def hours(people, day, minutes, status="approved"):
            for i in people:
                db.session.add(HourEntry(user_id=v[i].id, day=day, minutes=minutes,
                                         activity="meeting", status=status))

        hours(range(1, 7), d(a, 4, 2), 120)
        hours((1, 2), d(a, 5, 3), 90)
        hours(range(1, 6), d(a, 6, 4), 60)
        hours(range(10, 15), d(b, 7, 5), 180)
        hours((10, 11), d(c, 1, 6), 60)
        hours((7, 8), d(a, 4, 2), 600, status="pending")
        hours((9,), d(b, 7, 5), 600, status="rejected")

        def certificates(people, role, day):
            for i in people:
                db.session.add(Certificate(user_id=v[i].id, role=role, holder_name="x",
                                           programme_name="p", modules=[], issued_on=day))

        certificates(range(1, 7), "mentor", d(a, 2, 20))
        certificates(range(1, 6), "housing_helper", d(a, 5, 20))
        certificates((7, 8, 9), "language_buddy", d(a, 9, 20))
        certificates(range(10, 15), "housing_helper", d(b, 5, 20))
        perk = Perk(partner=Partner(name="Museum"), titles={"en": "Museum"},
                    valid_from=d(a, 1, 1), valid_until=d(c, 12, 31))
        db.session.add(perk)
        for i in (10, 11):
            used = datetime(b, 8, 10, 15)
            db.session.add(Pass(perk=perk, user_id=v[i].id, status="redeemed",
                                issued_at=used - timedelta(days=3),
                                expires_on=used.date() + timedelta(days=30), redeemed_at=used))
        db.session.commit()
    return a
