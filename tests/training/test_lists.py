"""The coordinator's training lists: certificates (search, filters, pages), who still needs
a module (pages), past sessions (pages), and the links to write to a session's people.
Each page is a fixed number of queries, however long the list."""

from datetime import timedelta

import pytest

from mentorship.database import utcnow
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.training.models import (
    ATTENDED,
    ENROLLED,
    WAITLISTED,
    Certificate,
    Enrollment,
    ModuleCompletion,
    TrainingSession,
)
from mentorship.training.services.sessions import PAST_SESSIONS_PER_PAGE
from tests.conftest import count_queries, page_text

CERTIFICATES = "/coordinate/training/certificates"


def certify(app, user_ids, role="mentor", revoked=()):
    """Certificates for these people, straight into the table (revoked: those ids)."""
    from mentorship.accounts.models import User

    with app.app_context():
        for user_id in user_ids:
            person = db.session.get(User, user_id)
            db.session.add(Certificate(
                user_id=user_id, role=role, holder_name=person.name, programme_name="P",
                modules=[], issued_on=programme_today(),
                revoked_at=utcnow() if user_id in revoked else None,
                revoked_reason="Conduct" if user_id in revoked else None))
        db.session.commit()


def named(app, make_user, *names):
    return [make_user("resident", name=name).id for name in names]


@pytest.mark.parametrize("path", [
    "/coordinate/training/modules/{module}/missing",
    "/coordinate/training/modules/{module}/past",
    "/coordinate/training/sessions/{session}",
])
@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_the_lists_refuse_everyone_but_coordinators(client, login_as, make_module,
                                                   make_session, role, path):
    module_id = make_module()
    session_id = make_session(module_id)
    login_as(role)
    assert client.get(path.format(module=module_id, session=session_id)).status_code == 403


def test_certificates_are_found_by_name_without_accents_or_case(app, client, login_as,
                                                                make_user):
    ids = named(app, make_user, "Amira Haddad", "Émile Durand", "Олена Коваль", "Bob 50%")
    certify(app, ids)
    login_as("coordinator")
    for query, expected in (("amira", "Amira Haddad"), ("HADDAD amira", "Amira Haddad"),
                            ("emile", "Émile Durand"), ("ÉMILE", "Émile Durand"),
                            ("олена", "Олена Коваль"), ("50%", "Bob 50%")):
        html = page_text(client.get(CERTIFICATES, query_string={"q": query}))
        assert "1 certificate" in html and expected in html, query
    html = page_text(client.get(CERTIFICATES, query_string={"q": "9%"}))
    assert "0 certificates" in html and "No certificate matches this search." in html
    assert 'value="9%"' in html  # the search keeps what was typed


def test_certificates_are_filtered_by_role_and_status(app, client, login_as, make_user):
    mentor, buddy, revoked = named(app, make_user, "Mentor Valid", "Buddy Valid",
                                   "Mentor Revoked")
    certify(app, [mentor, revoked], revoked={revoked})
    certify(app, [buddy], role="language_buddy")
    login_as("coordinator")

    def names(**args):
        html = page_text(client.get(CERTIFICATES, query_string=args))
        return {n for n in ("Mentor Valid", "Buddy Valid", "Mentor Revoked") if n in html}

    assert names() == {"Mentor Valid", "Buddy Valid", "Mentor Revoked"}
    assert names(role="mentor") == {"Mentor Valid", "Mentor Revoked"}
    assert names(state="valid") == {"Mentor Valid", "Buddy Valid"}
    assert names(state="revoked") == {"Mentor Revoked"}
    assert names(role="mentor", state="valid") == {"Mentor Valid"}
    # A hand-edited filter is ignored, not an error.
    assert names(role="pilot", state="maybe") == {"Mentor Valid", "Buddy Valid",
                                                   "Mentor Revoked"}
    html = page_text(client.get(CERTIFICATES, query_string={"state": "revoked"}))
    assert "Revoked on" in html and "Conduct" in html
    assert f"/coordinate/people/{revoked}" in html


def test_certificates_pages_keep_the_search_and_the_queries_stay_fixed(
        app, client, login_as, trainees):
    login_as("coordinator")
    certify(app, trainees(3, prefix="Holder"))
    with count_queries(app) as few:
        assert client.get(CERTIFICATES, query_string={"q": "holder",
                                                     "state": "valid"}).status_code == 200
    certify(app, trainees(60, prefix="Holder", role="language_buddy"))
    with count_queries(app) as many:
        html = page_text(client.get(CERTIFICATES, query_string={"q": "holder",
                                                               "state": "valid"}))
    assert "63 certificates" in html and "Page 1 of 3" in html
    assert many.count == few.count
    next_page = html.split('rel="next"')[0].rsplit('href="', 1)[1]
    assert "q=holder" in next_page and "state=valid" in next_page and "page=2" in next_page
    second = page_text(client.get(next_page.replace("&amp;", "&")))
    assert "Page 2 of 3" in second


def test_who_still_needs_a_module_is_listed_page_by_page(app, client, login_as, make_module,
                                                         trainees):
    module_id = make_module("Safeguarding", roles=("mentor",))
    other = make_module("Other role only", roles=("housing_helper",))
    login_as("coordinator")
    people = trainees(3)
    with app.app_context():  # one of them did it
        db.session.add(ModuleCompletion(user_id=people[0], module_id=module_id,
                                        completed_on=programme_today(), via="session"))
        db.session.commit()
    html = page_text(client.get("/coordinate/training"))
    assert "2 volunteers still need this module" in html
    assert f"/coordinate/training/modules/{module_id}/missing" in html
    assert f"/coordinate/training/modules/{other}/missing" not in html  # nobody: no link
    path = f"/coordinate/training/modules/{module_id}/missing"
    with count_queries(app) as few:
        html = page_text(client.get(path))
    assert "Trainee 001" in html and "Trainee 000" not in html and "Mentor" in html
    trainees(70, prefix="Later")
    with count_queries(app) as many:
        html = page_text(client.get(path))
    assert "72 volunteers still need this module" in html and "Page 1 of 2" in html
    assert many.count == few.count
    second = page_text(client.get(path, query_string={"page": 2}))
    assert "Page 2 of 2" in second and "Trainee 002" in second


def test_the_overview_counts_who_is_missing_in_fixed_queries(app, client, login_as,
                                                            make_module, trainees):
    make_module("First", roles=("mentor",))
    make_module("Second", roles=("mentor", "language_buddy"))
    login_as("coordinator")
    trainees(2)
    with count_queries(app) as few:
        client.get("/coordinate/training")
    trainees(40, role="language_buddy", prefix="Buddy")
    with count_queries(app) as many:
        html = page_text(client.get("/coordinate/training"))
    assert "2 volunteers still need this module" in html
    assert "42 volunteers still need this module" in html
    assert many.count == few.count


def test_past_sessions_are_listed_page_by_page(app, client, login_as, make_module,
                                               make_session, volunteer):
    module_id = make_module()
    login_as("coordinator")
    path = f"/coordinate/training/modules/{module_id}/past"

    def past_sessions(count, first_day):
        with app.app_context():
            for day in range(first_day, first_day + count):
                start = utcnow().replace(microsecond=0) - timedelta(days=day)
                db.session.add(TrainingSession(module_id=module_id, starts_at=start,
                                               ends_at=start + timedelta(hours=2),
                                               place="Hall", capacity=5))
            db.session.commit()

    past_sessions(2, 1)
    make_session(module_id)  # upcoming: not listed
    account = volunteer()
    with app.app_context():
        newest = db.session.scalar(db.select(TrainingSession.id).where(
            TrainingSession.starts_at < utcnow()).order_by(TrainingSession.starts_at.desc()))
        db.session.add_all([Enrollment(session_id=newest, user_id=account.id, status=ATTENDED)])
        db.session.commit()
    with count_queries(app) as few:
        html = page_text(client.get(path))
    assert "2 past sessions" in html
    assert '<td data-label="Attended">1</td>' in html
    past_sessions(PAST_SESSIONS_PER_PAGE + 40, 3)
    with count_queries(app) as many:
        html = page_text(client.get(path))
    total = PAST_SESSIONS_PER_PAGE + 42
    assert f"{total} past sessions" in html and "Page 1 of 3" in html
    assert many.count == few.count
    last = page_text(client.get(path, query_string={"page": 3}))
    assert "Page 3 of 3" in last and last.count("Mark attendance<span") == total - 50


def test_the_attendance_page_links_to_writing_to_the_seated_and_the_waiting(
        app, client, login_as, make_module, make_session, volunteer):
    from mentorship.messaging.models import SESSION_ENROLLED, SESSION_WAITLISTED

    session_id = make_session(make_module(), capacity=1)
    login_as("coordinator")
    path = f"/coordinate/training/sessions/{session_id}"
    html = page_text(client.get(path))
    assert "Write to these people" not in html and "waiting list" not in html
    seated, waiting = volunteer(), volunteer()
    with app.app_context():
        db.session.add_all([
            Enrollment(session_id=session_id, user_id=seated.id, status=ENROLLED),
            Enrollment(session_id=session_id, user_id=waiting.id, status=WAITLISTED)])
        db.session.commit()
    html = page_text(client.get(path))
    assert (f'href="/coordinate/messages?group={SESSION_ENROLLED}&amp;session_id={session_id}"'
            in html)
    assert "Write to these people" in html
    assert (f'href="/coordinate/messages?group={SESSION_WAITLISTED}&amp;session_id={session_id}"'
            in html)
    assert "Write to the 1 person on the waiting list" in html
