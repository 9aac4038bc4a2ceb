from datetime import timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.training.models import TrainingSession
from mentorship.volunteering.models import AWAITING_TRAINING, Commitment


@pytest.fixture
def volunteer(app, make_user):
    """A resident whose application was approved: a commitment waiting for training,
    one per role given (``volunteer("mentor", "language_buddy")`` holds two roles)."""

    def make(*roles, **kwargs):
        account = make_user("resident", **kwargs)
        with app.app_context():
            from mentorship.dates import add_months, programme_today

            today = programme_today()
            for role in roles or ("mentor",):
                db.session.add(Commitment(user_id=account.id, role=role, current_role=role,
                                          status=AWAITING_TRAINING, start_date=today,
                                          end_date=add_months(today, 6), min_months=6))
            db.session.commit()
        return account

    return make


@pytest.fixture
def make_session(app):
    def make(module_id, capacity=2, days=7, place="Town hall, room 2"):
        with app.app_context():
            start = utcnow().replace(microsecond=0) + timedelta(days=days)
            session = TrainingSession(module_id=module_id, starts_at=start,
                                      ends_at=start + timedelta(hours=2), place=place,
                                      capacity=capacity)
            db.session.add(session)
            db.session.commit()
            return session.id

    return make


def user(account):
    return db.session.get(User, account.id)


def start(app, session_id):
    """Move a session's start into the past (attendance is marked once it has begun)."""
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        length = session.ends_at - session.starts_at
        session.starts_at = utcnow() - timedelta(hours=1)
        session.ends_at = session.starts_at + length
        db.session.commit()


@pytest.fixture
def trainees(app):
    """``count`` volunteers waiting for training in ``role``, inserted directly (no
    password hashing: lists are tested with many people). Returns their ids."""
    from mentorship.dates import add_months, programme_today

    def make(count, role="mentor", prefix="Trainee"):
        with app.app_context():
            today = programme_today()
            people = [User(name=f"{prefix} {number:03d}", password_hash="-", locale="en",
                           email=f"{prefix.lower()}{number}-{role}@example.org")
                      for number in range(count)]
            db.session.add_all(people)
            db.session.flush()
            db.session.add_all(Commitment(user_id=p.id, role=role, current_role=role,
                                          status=AWAITING_TRAINING, start_date=today,
                                          end_date=add_months(today, 6), min_months=6)
                               for p in people)
            db.session.commit()
            return [p.id for p in people]

    return make
