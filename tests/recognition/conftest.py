from datetime import timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.recognition import services
from mentorship.recognition.models import Partner, PartnerStaff, Perk
from mentorship.training.models import Certificate
from mentorship.volunteering.models import Commitment


@pytest.fixture
def today(app):
    with app.app_context():
        return programme_today()


@pytest.fixture
def venue(app, make_user):
    """A partner venue with one staff account; returns (partner id, staff account)."""

    def make(name="Musée"):
        staff = make_user("partner", name=f"Staff of {name}")
        with app.app_context():
            partner = Partner(name=name, kind="museum")
            db.session.add(partner)
            db.session.flush()
            db.session.add(PartnerStaff(partner_id=partner.id, user_id=staff.id))
            db.session.commit()
            return partner.id, staff

    return make


@pytest.fixture
def perk(app, today):
    def make(partner_id, **rules):
        with app.app_context():
            values = dict(partner_id=partner_id, titles={"en": "Free entry", "fr": "Entrée"},
                          stock=10, per_volunteer=1, valid_from=today - timedelta(days=1),
                          valid_until=today + timedelta(days=30))
            values.update(rules)
            item = Perk(**values)
            db.session.add(item)
            db.session.commit()
            return item.id

    return make


@pytest.fixture
def volunteer(app, make_user, today):
    """A volunteer with given approved hours, months served, role and certificate;
    ``ended_on`` / ``completed_on`` date a commitment that ended early / was completed."""

    def make(hours=0, months=0, role="mentor", certificate=False, status="active",
             ended_on=None, completed_on=None, **kwargs):
        account = make_user("resident", **kwargs)
        with app.app_context():
            start = add_months(today, -months)
            commitment = Commitment(user_id=account.id, role=role, status=status,
                                    current_role=role if status == "active" else None,
                                    start_date=start, end_date=add_months(start, 6),
                                    min_months=6, ended_on=ended_on,
                                    completed_on=completed_on)
            db.session.add(commitment)
            if hours:
                db.session.add(HourEntry(user_id=account.id, day=today, minutes=hours * 60,
                                         activity="other", status="approved"))
            if certificate:
                db.session.add(Certificate(user_id=account.id, role=role, holder_name="x",
                                           programme_name="p", modules=[], issued_on=today))
            db.session.commit()
        return account

    return make


def claim(app, account, perk_id, today):
    with app.app_context():
        item = services.claim(db.session.get(User, account.id), perk_id, today)
        db.session.commit()
        return item.code
