"""Fixtures of the people tests (search, person page). Every fixture here is named
``people_…``; the assisted sign-up tests keep theirs in their own modules."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from mentorship.accounts.models import User, UserRole
from mentorship.audit.models import AuditEvent
from mentorship.awards.models import AwardCategory, AwardCycle, Nomination
from mentorship.database import utcnow
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.mail import SentEmail
from mentorship.matching.models import BuddyRequest, Match
from mentorship.programme.models import Neighbourhood
from mentorship.recognition.models import Partner, Pass, Perk
from mentorship.search import person_search_text
from mentorship.training.models import (
    Certificate,
    Enrollment,
    ModuleCompletion,
    TrainingModule,
    TrainingSession,
)
from mentorship.volunteering.models import Application, Commitment


@pytest.fixture
def people_places(app):
    """Two neighbourhoods; returns {name: id}."""
    with app.app_context():
        rows = [Neighbourhood(name=name) for name in ("Berriat", "Île Verte")]
        db.session.add_all(rows)
        db.session.commit()
        return {row.name: row.id for row in rows}


@pytest.fixture
def people_bulk(app):
    """Insert ``count`` residents at once (no ORM events: search_text is computed here);
    names "Bulk 00001"…, one in three with a phone number."""

    def insert_people(count, start=0):
        now = utcnow()
        with app.app_context():
            rows = []
            for number in range(start, start + count):
                name, email = f"Bulk {number:05d}", f"bulk{number}@example.org"
                phone = f"+33 6 {number % 100:02d} 00 00 00" if number % 3 == 0 else None
                rows.append({"name": name, "email": email, "phone": phone,
                             "password_hash": "x", "is_enabled": True,
                             "optional_emails": True, "created_at": now,
                             "search_text": person_search_text(name, email, phone)})
            db.session.execute(insert(User), rows)
            ids = db.session.scalars(db.select(User.id).where(User.name.like("Bulk %"))
                                     .order_by(User.id.desc()).limit(count)).all()
            db.session.execute(insert(UserRole), [{"user_id": uid, "role": "resident",
                                                   "granted_at": now} for uid in ids])
            db.session.commit()

    return insert_people


@pytest.fixture
def people_rich(app, make_user, people_places):
    """A volunteer with something in every section of the person page, and the newcomer
    they accompany; ``extra`` adds that many more hours, matches, passes, emails and audit
    entries (for the query-count test). Returns (volunteer, newcomer) accounts; the
    volunteer account carries ``request_id`` and ``application_id``."""

    def make(extra=0, volunteer=None, newcomer=None):
        volunteer = volunteer or make_user("resident", name="Amira Haddad",
                                           languages=(("ar", "native"), ("fr", "B2")))
        newcomer = newcomer or make_user("newcomer", name="Oleksandr Petrenko")
        with app.app_context():
            today, now = programme_today(), utcnow()
            person = db.session.get(User, volunteer.id)
            person.phone = "+33 6 12 34 56 78"
            start = add_months(today, -2)
            application = Application(
                user_id=volunteer.id, role="mentor", status="approved", motivation="Hi",
                neighbourhood_id=people_places["Berriat"], availability=["mon-evening"],
                start_date=start, pledge_end_date=add_months(start, 6))
            commitment = Commitment(user_id=volunteer.id, role="mentor", current_role="mentor",
                                    application=application, status="active",
                                    start_date=start, end_date=add_months(start, 6),
                                    min_months=6)
            second = Application(
                user_id=volunteer.id, role="housing_helper", status="submitted",
                open_role="housing_helper", motivation="Also housing", availability=[],
                start_date=today, pledge_end_date=add_months(today, 6))
            module = TrainingModule(title="Welcoming newcomers", summary="", content="")
            session = TrainingSession(module=module, starts_at=now - timedelta(days=20),
                                      ends_at=now - timedelta(days=20, hours=-2),
                                      place="Town hall")
            db.session.add_all([application, commitment, second, module, session])
            db.session.flush()
            db.session.add_all([
                Enrollment(session_id=session.id, user_id=volunteer.id, status="attended"),
                ModuleCompletion(user_id=volunteer.id, module_id=module.id,
                                 completed_on=today - timedelta(days=20), via="session"),
                Certificate(user_id=volunteer.id, role="mentor", holder_name=person.name,
                            programme_name="Programme", modules=[],
                            issued_on=today - timedelta(days=20)),
            ])
            buddy_request = BuddyRequest(user_id=newcomer.id, role="mentor",
                                         current_role="mentor", status="matched",
                                         neighbourhood_id=people_places["Île Verte"])
            waiting = BuddyRequest(user_id=newcomer.id, role="language_buddy",
                                   current_role="language_buddy", status="open")
            db.session.add_all([buddy_request, waiting])
            db.session.flush()
            matches = [Match(request_id=buddy_request.id, commitment_id=commitment.id,
                             volunteer_id=volunteer.id, newcomer_id=newcomer.id,
                             status="active" if number == 0 else "declined")
                       for number in range(1 + extra)]
            db.session.add_all(matches)
            db.session.flush()
            partner = Partner(name="Musée Dauphinois")
            perk = Perk(partner=partner, titles={"en": "Free entry"}, stock=100,
                        valid_from=today - timedelta(days=5),
                        valid_until=today + timedelta(days=30))
            db.session.add_all([partner, perk])
            db.session.flush()
            for number in range(1 + extra):
                db.session.add_all([
                    HourEntry(user_id=volunteer.id, commitment_id=commitment.id,
                              match_id=matches[0].id, day=today - timedelta(days=1),
                              minutes=90, activity="meeting", status="approved",
                              token=f"a{number}"),
                    HourEntry(user_id=volunteer.id, commitment_id=commitment.id,
                              day=today, minutes=30, activity="other", status="pending",
                              token=f"p{number}"),
                    Pass(perk_id=perk.id, user_id=volunteer.id,
                         expires_on=today + timedelta(days=30)),
                    SentEmail(recipient_id=volunteer.id, template="x",
                              subject=f"Your hours, note {number}",
                              sent_at=now - timedelta(minutes=number)),
                    AuditEvent(actor_id=None, action="commitment.checked",
                               record_type="Commitment", record_id=commitment.id,
                               at=now - timedelta(minutes=number)),
                ])
            cycle = db.session.scalar(db.select(AwardCycle).where(
                AwardCycle.year == today.year))
            if cycle is None:
                cycle = AwardCycle(year=today.year, state="nominations_open",
                                   nominations_open_on=today - timedelta(days=5),
                                   nominations_close_on=today + timedelta(days=5),
                                   voting_deadline=today + timedelta(days=10),
                                   ceremony_at=datetime(today.year, 12, 20, 17))
                cycle.categories = [
                    AwardCategory(code="mentor_of_the_year", role="mentor"),
                    AwardCategory(code="newcomers_choice", newcomers_only=True)]
                db.session.add(cycle)
                db.session.flush()
            category, other_category = sorted(cycle.categories, key=lambda c: c.id)
            db.session.add_all([
                Nomination(cycle_id=cycle.id, category_id=other_category.id,
                           nominator_id=newcomer.id, nominee_id=volunteer.id,
                           citation="She helped me so much."),
                Nomination(cycle_id=cycle.id, category_id=category.id,
                           nominator_id=volunteer.id, nominee_id=newcomer.id,
                           citation="A great neighbour."),
                AuditEvent(actor_id=None, action="application.approved",
                           record_type="Application", record_id=application.id,
                           message="Welcome aboard", at=now),
            ])
            db.session.commit()
            volunteer.request_id = waiting.id
            volunteer.application_id = second.id
        return volunteer, newcomer

    return make
