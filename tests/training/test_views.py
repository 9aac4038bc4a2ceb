import re

import pytest

from mentorship.extensions import db
from mentorship.training.models import Certificate, Enrollment, TrainingModule, TrainingSession
from tests.conftest import count_queries, log_in, page_text
from tests.training.test_services import QUIZ

COORDINATOR_PAGES = ("/coordinate/training", "/coordinate/training/modules/new",
                     "/coordinate/training/certificates")


def certify(app, client, volunteer, make_module, role="mentor", name="Zoë Holder"):
    """A volunteer who passed an online module: returns (account, certificate code)."""
    module_id = make_module("Online", roles=(role,), kind="online", quiz=QUIZ)
    account = volunteer(role, name=name)
    log_in(client, account)
    response = client.post(f"/training/modules/{module_id}/quiz", data={"q0": "1", "q1": "0"})
    assert response.status_code == 200
    client.post("/logout")
    with app.app_context():
        return account, db.session.scalar(db.select(Certificate.code))


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_coordinator_training_pages_refuse_others(client, login_as, role, make_module):
    module_id = make_module()
    login_as(role)
    for path in (*COORDINATOR_PAGES, f"/coordinate/training/modules/{module_id}/edit"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("role", ["newcomer", "partner"])
def test_training_page_is_for_volunteers_and_staff(client, login_as, role):
    login_as(role)
    assert client.get("/training").status_code == 403


def test_training_page_shows_modules_and_next_step(client, volunteer, make_module, make_session):
    module_id = make_module("Safeguarding and boundaries", roles=("mentor",))
    make_session(module_id)
    log_in(client, volunteer("mentor"))
    html = page_text(client.get("/training"))
    assert "Safeguarding and boundaries" in html and "Required" in html
    assert "Next step: enrol in the session on" in html
    assert "/training/calendar/" in html


def test_enrol_inline_and_cancel(client, volunteer, make_module, make_session, app):
    session_id = make_session(make_module(roles=("mentor",)), capacity=1)
    log_in(client, volunteer("mentor"))
    response = client.post(f"/training/sessions/{session_id}/enrol",
                           headers={"HX-Request": "true", "HX-Target": f"session-{session_id}"})
    assert response.status_code == 200
    html = page_text(response)
    assert html.lstrip().startswith("<li") and "You are enrolled." in html
    assert "1 of 1 seats taken" in html
    with app.app_context():
        enrollment_id = db.session.scalar(db.select(Enrollment.id))
    response = client.post(f"/training/enrolments/{enrollment_id}/cancel")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Enrollment, enrollment_id).status == "cancelled"


def test_cannot_cancel_someone_elses_place(client, volunteer, make_module, make_session, app):
    session_id = make_session(make_module())
    owner = volunteer()
    log_in(client, owner)
    client.post(f"/training/sessions/{session_id}/enrol")
    client.post("/logout")
    log_in(client, volunteer())
    with app.app_context():
        enrollment_id = db.session.scalar(db.select(Enrollment.id))
    assert client.post(f"/training/enrolments/{enrollment_id}/cancel").status_code == 404


def test_resident_without_approval_cannot_enrol(client, login_as, make_module, make_session):
    session_id = make_session(make_module())
    login_as("resident")
    response = client.post(f"/training/sessions/{session_id}/enrol",
                           headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "once your application is approved" in page_text(response)


def test_quiz_needs_every_answer_and_keeps_the_chosen_ones(client, volunteer, make_module):
    module_id = make_module("Online", roles=("mentor",), kind="online", quiz=QUIZ)
    log_in(client, volunteer("mentor"))
    response = client.post(f"/training/modules/{module_id}/quiz", data={"q0": "1"})
    assert response.status_code == 422
    html = page_text(response)
    assert "Please answer every question." in html
    assert 'id="q0-1" name="q0" value="1" checked' in html
    failed = page_text(client.post(f"/training/modules/{module_id}/quiz",
                                   data={"q0": "0", "q1": "1"}))
    assert "0% right" in failed and "try once more" in failed
    passed = page_text(client.post(f"/training/modules/{module_id}/quiz",
                                   data={"q0": "1", "q1": "0"}))
    assert "This module is complete." in passed


def test_module_content_is_sanitised_on_the_page(client, volunteer, app, make_module):
    module_id = make_module()
    with app.app_context():
        module = db.session.get(TrainingModule, module_id)
        module.content = "Hello <script>alert(1)</script><img src=x onerror=alert(2)>"
        db.session.commit()
    log_in(client, volunteer())
    html = page_text(client.get(f"/training/modules/{module_id}"))
    assert "alert(1)</script>" not in html and "onerror" not in html


def test_verification_page_shows_only_name_role_date(client, volunteer, make_module, app):
    account, code = certify(app, client, volunteer, make_module)
    response = client.get(f"/certificates/{code}")
    assert response.status_code == 200
    html = page_text(response)
    assert "Valid certificate" in html and "Zoë Holder" in html and "Mentor" in html
    assert account.email not in html and "Online" not in html  # no email, no modules


def test_unknown_certificate_says_what_to_check(client, volunteer, make_module, app):
    # A mistyped code: not "page not found", but what is wrong and what to check (404).
    _account, code = certify(app, client, volunteer, make_module)
    client.post("/logout")
    response = client.get(f"/certificates/{code.swapcase()}")
    assert response.status_code == 404
    html = page_text(response)
    assert "This is not a valid certificate code." in html and code.swapcase() in html
    assert "Capital and small letters are different." in html
    assert "Zoë Holder" not in html and "Valid certificate" not in html
    long = client.get("/certificates/" + "x" * 300)
    message = long.get_data(as_text=True).split("verify-unknown", 1)[1].split("</div>", 1)[0]
    assert long.status_code == 404 and "x" * 37 in message and "x" * 41 not in message


def test_revoked_certificate_shows_as_revoked(client, volunteer, make_module, app, make_user):
    _, code = certify(app, client, volunteer, make_module)
    log_in(client, make_user("coordinator"))
    with app.app_context():
        certificate_id = db.session.scalar(db.select(Certificate.id))
    response = client.post(f"/coordinate/training/certificates/{certificate_id}/revoke",
                           data={"reason": ""})
    assert response.status_code == 422 and "Please give the reason." in page_text(response)
    client.post(f"/coordinate/training/certificates/{certificate_id}/revoke",
                data={"reason": "Conduct"})
    client.post("/logout")
    html = page_text(client.get(f"/certificates/{code}"))
    assert "This certificate has been revoked." in html and "Conduct" not in html


def test_printable_certificate_for_holder_and_staff_only(client, volunteer, make_module, app,
                                                         make_user, login_as):
    account, code = certify(app, client, volunteer, make_module)
    log_in(client, account)
    html = page_text(client.get(f"/certificates/{code}/print"))
    assert "Certificate of training" in html and 'src="data:image/svg+xml' in html
    assert f"/certificates/{code}" in html
    client.post("/logout")
    login_as("resident")
    assert client.get(f"/certificates/{code}/print").status_code == 404


def test_calendar_feed_and_reset(client, volunteer, make_module, make_session, app):
    session_id = make_session(make_module())
    log_in(client, volunteer())
    client.post(f"/training/sessions/{session_id}/enrol")
    assert "calendar-url" not in page_text(client.get("/training"))  # no address until asked
    client.post("/training/calendar/reset")
    html = page_text(client.get("/training"))
    url = re.search(r"http://localhost(/training/calendar/[^\"]+\.ics)", html).group(1)
    feed = client.get(url)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert f"training-session-{session_id}@127.0.0.1" in feed.get_data(as_text=True)
    client.post("/training/calendar/reset")
    assert client.get(url).status_code == 404
    new_url = re.search(r"http://localhost(/training/calendar/[^\"]+\.ics)",
                        page_text(client.get("/training"))).group(1)
    assert new_url != url and client.get(new_url).status_code == 200


def test_coordinator_creates_a_module_with_a_bad_quiz_then_a_good_one(client, login_as, app):
    login_as("coordinator")
    data = {"title": "Basics", "summary": "S", "content": "# Hi", "kind": "online",
            "duration_minutes": "30", "quiz_source": "? Only\n* one", "pass_mark": "80",
            "role_mentor": "required", "role_language_buddy": "", "role_housing_helper":
            "optional"}
    response = client.post("/coordinate/training/modules/new", data=data)
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="quiz_source-errors"' in html and "Question 1 needs at least two answers" in html
    assert 'value="Basics"' in html
    data["quiz_source"] = QUIZ
    assert client.post("/coordinate/training/modules/new", data=data).status_code == 303
    with app.app_context():
        module = db.session.scalar(db.select(TrainingModule))
        assert module.requirement_for("mentor") == "required"
        assert module.requirement_for("housing_helper") == "optional"
        assert module.requirement_for("language_buddy") is None


def test_coordinator_plans_a_session_and_marks_attendance_inline(client, login_as, app,
                                                                 make_module, volunteer,
                                                                 make_session):
    module_id = make_module(roles=("mentor",))
    login_as("coordinator")
    response = client.post(f"/coordinate/training/modules/{module_id}/sessions/new", data={
        "starts_at": "2027-03-12T18:00", "ends_at": "2027-03-12T17:00", "place": "Hall",
        "capacity": "10"})
    assert response.status_code == 422 and "The end must be after the start." in page_text(
        response)
    response = client.post(f"/coordinate/training/modules/{module_id}/sessions/new", data={
        "starts_at": "2027-03-12T18:00", "ends_at": "2027-03-12T20:00", "place": "Hall",
        "capacity": "10"})
    assert response.status_code == 303
    session_id = make_session(module_id)
    trainee = volunteer("mentor", name="Marked Trainee")
    client.post("/logout")
    log_in(client, trainee)
    client.post(f"/training/sessions/{session_id}/enrol")
    client.post("/logout")
    login_as("coordinator")
    with app.app_context():
        enrollment_id = db.session.scalar(db.select(Enrollment.id))
    from tests.training.conftest import start

    start(app, session_id)
    assert "Marked Trainee" in page_text(client.get(f"/coordinate/training/sessions/{session_id}"))
    response = client.post(f"/coordinate/training/sessions/{session_id}/attendance",
                           data={f"mark-{enrollment_id}": "attended"},
                           headers={"HX-Request": "true",
                                    "HX-Target": f"enrollment-{enrollment_id}"})
    assert response.status_code == 200
    html = page_text(response)
    assert html.lstrip().startswith("<tr") and "Attended" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Certificate)) == 1


def test_overview_query_count_does_not_grow_with_sessions(client, login_as, app, make_module,
                                                          make_session):
    login_as("coordinator")
    module_id = make_module()
    make_session(module_id)
    with count_queries(app) as few:
        client.get("/coordinate/training")
    for days in range(2, 30):
        make_session(module_id, days=days)
    make_module("Another")
    with count_queries(app) as many:
        assert client.get("/coordinate/training").status_code == 200
    assert many.count == few.count


def test_session_ics_download(client, volunteer, make_module, make_session, app):
    session_id = make_session(make_module())
    log_in(client, volunteer())
    response = client.get(f"/training/sessions/{session_id}.ics")
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.data
    with app.app_context():
        assert db.session.get(TrainingSession, session_id) is not None


def fragment(target):
    return {"HX-Request": "true", "HX-Target": target}


def oob_messages(html):
    """The messages appended out of band to an HTMX fragment: exactly one #messages copy."""
    assert html.count('id="messages"') == 1, html
    match = re.search(r'<div id="messages" hx-swap-oob="innerHTML">(.*?)</div>', html, re.S)
    assert match, html
    return match.group(1)


def test_enrol_waitlist_and_cancel_confirm_in_the_same_htmx_response(client, volunteer, app,
                                                                     make_module,
                                                                     make_session):
    session_id = make_session(make_module(roles=("mentor",)), capacity=1)
    target = f"session-{session_id}"
    log_in(client, volunteer("mentor"))
    response = client.post(f"/training/sessions/{session_id}/enrol", headers=fragment(target))
    assert response.status_code == 200
    assert "You are enrolled." in oob_messages(page_text(response))
    client.post("/logout")

    log_in(client, volunteer("mentor"))
    response = client.post(f"/training/sessions/{session_id}/enrol", headers=fragment(target))
    html = page_text(response)
    assert response.status_code == 200 and html.lstrip().startswith("<li")
    assert "you are on the waiting list" in oob_messages(html)
    assert "On the waiting list" in html.split('id="messages"')[0]  # the row's badge
    with app.app_context():
        waiting_id = db.session.scalar(db.select(Enrollment.id).filter_by(status="waitlisted"))
    response = client.post(f"/training/enrolments/{waiting_id}/cancel", headers=fragment(target))
    html = page_text(response)
    assert response.status_code == 200 and html.lstrip().startswith("<li")
    assert "Your place is cancelled." in oob_messages(html)
    assert "Join the waiting list" in html  # the session is still full
    # Delivered now, so it does not turn up again on the next page.
    assert "Your place is cancelled." not in page_text(client.get("/training"))


def test_attendance_mark_confirms_in_the_same_htmx_response(client, login_as, app,
                                                            make_module, volunteer,
                                                            make_session):
    from tests.training.conftest import start

    session_id = make_session(make_module(roles=("mentor",)), capacity=1)
    seated, waiting = volunteer("mentor", name="Seated Trainee"), volunteer("mentor")
    for account in (seated, waiting):
        log_in(client, account)
        client.post(f"/training/sessions/{session_id}/enrol")
        client.post("/logout")
    with app.app_context():
        seat_id, waiting_id = (db.session.scalar(db.select(Enrollment.id).filter_by(
            user_id=account.id)) for account in (seated, waiting))
    start(app, session_id)
    login_as("coordinator")
    page = page_text(client.get(f"/coordinate/training/sessions/{session_id}"))
    assert f'name="mark-{seat_id}"' in page
    assert f'name="mark-{waiting_id}"' not in page  # no seat, nothing to mark
    response = client.post(f"/coordinate/training/sessions/{session_id}/attendance",
                           data={f"mark-{seat_id}": "attended"},
                           headers=fragment(f"enrollment-{seat_id}"))
    html = page_text(response)
    assert response.status_code == 200 and html.lstrip().startswith("<tr")
    assert "Saved for Seated Trainee." in oob_messages(html)
    assert re.search(rf'name="mark-{seat_id}" value="attended"[^>]*aria-pressed="true"', html)
    assert "Saved for Seated Trainee." not in page_text(
        client.get(f"/coordinate/training/sessions/{session_id}"))


def test_marking_nobody_is_refused_in_messages(client, login_as, make_module, make_session):
    session_id = make_session(make_module())
    login_as("coordinator")
    response = client.post(f"/coordinate/training/sessions/{session_id}/attendance",
                           headers=fragment("attendance-form"))
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#messages"
    assert "Please choose attended or did not come." in page_text(response)


def test_number_limits_reach_the_browser_from_the_form(client, login_as, make_module):
    login_as("coordinator")
    html = page_text(client.get("/coordinate/training/modules/new"))
    assert re.search(r'<input[^>]*id="duration_minutes"[^>]*>', html).group(0).count(
        'min="5"') == 1
    assert 'max="100"' in re.search(r'<input[^>]*id="pass_mark"[^>]*>', html).group(0)
    html = page_text(client.get(f"/coordinate/training/modules/{make_module()}/sessions/new"))
    assert 'min="1"' in re.search(r'<input[^>]*id="capacity"[^>]*>', html).group(0)
    response = client.post("/coordinate/training/modules/new", data={
        "title": "T", "kind": "in_person", "duration_minutes": "4", "pass_mark": "80"})
    assert response.status_code == 422 and "Between 5 and 2400." in page_text(response)


def test_attendance_buttons_wait_for_the_session_and_marked_people_keep_their_seat(
        client, login_as, app, make_module, volunteer, make_session):
    from tests.training.conftest import start

    session_id = make_session(make_module(roles=("mentor",)), capacity=12)
    people = [volunteer("mentor") for _ in range(4)]
    for account in people:
        log_in(client, account)
        client.post(f"/training/sessions/{session_id}/enrol")
        client.post("/logout")
    login_as("coordinator")
    # A future session: nothing to mark yet, and the page says when it can be.
    future = page_text(client.get(f"/coordinate/training/sessions/{session_id}"))
    assert 'value="attended"' not in future
    assert "Attendance can be marked once the session has started." in future
    assert "4 of 12 seats taken" in future
    start(app, session_id)
    with app.app_context():
        ids = db.session.scalars(db.select(Enrollment.id).filter_by(
            session_id=session_id)).all()
    client.post(f"/coordinate/training/sessions/{session_id}/attendance",
                data={f"mark-{i}": ("attended" if n % 2 else "no_show")
                      for n, i in enumerate(ids)})
    held = page_text(client.get(f"/coordinate/training/sessions/{session_id}"))
    assert 'value="attended"' in held and "Attendance can be marked once" not in held
    assert "4 of 12 seats taken" in held  # marked people held their seats
