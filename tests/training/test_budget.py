"""The performance budget (issue 17) of the training pages: at most 8 queries a page,
the same however many rows (or however long a volunteer's history), and at most 30 KB of
HTML with more rows than a page holds."""

from datetime import timedelta

from mentorship.accounts.models import User
from mentorship.database import utcnow
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.training.models import (
    Certificate,
    Enrollment,
    ModuleCompletion,
    TrainingSession,
)
from mentorship.volunteering.models import Commitment
from tests.conftest import MAX_BYTES, MAX_QUERIES, count_queries, log_in, page_text


def _load(app, client, path):
    with count_queries(app) as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter, page_text(response)


def _sessions(app, module_id, count, *, past, attendee_id=None, others=()):
    """``count`` sessions of a module (past or upcoming), each with the given people
    enrolled (attended when past); returns their ids."""
    with app.app_context():
        ids = []
        for number in range(count):
            start = utcnow().replace(microsecond=0) + timedelta(
                days=(-1 if past else 1) * (number + 2))
            session = TrainingSession(module_id=module_id, starts_at=start,
                                      ends_at=start + timedelta(hours=2),
                                      place=f"Town hall, room {number}", capacity=12)
            db.session.add(session)
            db.session.flush()
            for user_id in ([attendee_id] if attendee_id else []) + list(others):
                db.session.add(Enrollment(session_id=session.id, user_id=user_id,
                                          status="attended" if past else "enrolled"))
            ids.append(session.id)
        db.session.commit()
        return ids


def _past_commitments(app, user_id, roles, module_ids):
    """Served commitments in ``roles``, the modules completed and a certificate each."""
    with app.app_context():
        today = programme_today()
        for years_ago, role in enumerate(roles, start=1):
            start = today - timedelta(days=365 * years_ago)
            db.session.add(Commitment(user_id=user_id, role=role, status="completed",
                                      start_date=start, end_date=start + timedelta(days=183),
                                      min_months=6, completed_on=start + timedelta(days=183)))
        for module_id in module_ids:
            if not db.session.scalar(db.select(ModuleCompletion).where(
                    ModuleCompletion.user_id == user_id,
                    ModuleCompletion.module_id == module_id)):
                db.session.add(ModuleCompletion(user_id=user_id, module_id=module_id,
                                                completed_on=today, via="session"))
        db.session.commit()


def test_a_volunteers_training_page_does_not_grow_with_their_history(
        app, client, volunteer, make_module, trainees):
    person = volunteer("mentor")
    first = make_module("Welcoming newcomers")
    _sessions(app, first, 2, past=False)
    log_in(client, person)
    few, _ = _load(app, client, "/training")
    assert few.count <= MAX_QUERIES, few.statements
    # Three past commitments, forty sessions attended, more modules and upcoming sessions
    # with other people enrolled, and one of them with this volunteer's seat.
    more = [make_module(f"Module {n}") for n in range(4)]
    others = trainees(10)
    with app.app_context():
        person_id = db.session.get(User, person.id).id
    for module_id in [first, *more]:
        _sessions(app, module_id, 8, past=True, attendee_id=person_id, others=others[:3])
    _sessions(app, more[0], 3, past=False, attendee_id=person_id, others=others)
    _past_commitments(app, person_id, ("language_buddy", "housing_helper", "mentor"), more)
    many, html = _load(app, client, "/training")
    assert many.count == few.count, many.statements
    assert "Module 3" in html
    assert len(html.encode()) < MAX_BYTES


def test_the_coordinators_training_overview_keeps_its_budget(app, client, login_as,
                                                             make_module, trainees):
    login_as("coordinator")
    first = make_module("Welcoming newcomers")
    _sessions(app, first, 1, past=False)
    few, _ = _load(app, client, "/coordinate/training")
    assert few.count <= MAX_QUERIES, few.statements
    people = trainees(30)
    for module_id in [first] + [make_module(f"Module {n}") for n in range(3)]:
        _sessions(app, module_id, 3, past=False, others=people[:10])
        _sessions(app, module_id, 5, past=True, others=people[10:20])
    many, html = _load(app, client, "/coordinate/training")
    assert many.count == few.count, many.statements
    assert len(html.encode()) < MAX_BYTES


def test_the_overviews_counts_over_the_whole_history_are_kept_until_a_change(
        app, client, login_as, make_module, trainees):
    """Attendance and who still needs a module are counted over every session and
    commitment: they are counted once, and again after any change."""
    login_as("coordinator")
    module_id = make_module("Welcoming newcomers", roles=("mentor",))
    people = trainees(3)
    _sessions(app, module_id, 1, past=True, others=people[:2])
    counted, html = _load(app, client, "/coordinate/training")
    assert "<strong>100%</strong>" in html
    assert "3 volunteers still need this module" in html
    kept, html = _load(app, client, "/coordinate/training")
    assert kept.count == counted.count - 2, kept.statements
    assert "<strong>100%</strong>" in html
    with app.app_context():
        db.session.execute(db.update(Enrollment).where(Enrollment.user_id == people[0])
                           .values(status="no_show"))
        db.session.add(ModuleCompletion(user_id=people[1], module_id=module_id,
                                        completed_on=programme_today(), via="session"))
        db.session.commit()
    again, html = _load(app, client, "/coordinate/training")
    assert again.count == counted.count, again.statements
    assert "<strong>50%</strong>" in html
    assert "2 volunteers still need this module" in html


def _certificates(app, user_ids):
    with app.app_context():
        for user_id in user_ids:
            user = db.session.get(User, user_id)
            db.session.add(Certificate(
                user_id=user_id, role="mentor", holder_name=user.name,
                programme_name="Welcome programme", issued_on=programme_today(),
                modules=[{"title": "Welcoming newcomers", "completed_on": "2026-01-02"}]))
        db.session.commit()


def test_the_certificates_list_keeps_its_budget(app, client, login_as, trainees):
    login_as("coordinator")
    _certificates(app, trainees(2, prefix="First"))
    few, _ = _load(app, client, "/coordinate/training/certificates")
    assert few.count <= MAX_QUERIES, few.statements
    _certificates(app, trainees(40, prefix="Holder"))
    many, html = _load(app, client, "/coordinate/training/certificates")
    assert many.count == few.count, many.statements
    assert "42 certificates" in html
    assert len(html.encode()) < MAX_BYTES
