import re
from datetime import timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.extensions import db
from mentorship.volunteering.models import Application, Commitment
from tests.conftest import count_queries, log_in, page_text
from tests.volunteering.conftest import form_data

COORDINATOR_PAGES = ("/coordinate", "/coordinate/applications", "/coordinate/commitments")


def count(app, model):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_roles_page_is_public_and_explains_the_pledge(client):
    html = page_text(client.get("/roles"))
    for text in ("Mentor", "Language buddy", "Housing helper", "at least 6 months",
                 "Up to 3 newcomers at a time", "Create an account to apply"):
        assert text in html


def test_resident_applies(client, login_as, app, place, today):
    login_as("resident")
    response = client.post("/apply/language_buddy", data=form_data(place, today))
    assert response.status_code == 303
    assert response.headers["Location"] == "/volunteer"
    with app.app_context():
        application = db.session.scalar(db.select(Application))
        assert application.role == "language_buddy"
        assert application.availability == ["tue-evening", "thu-evening"]
    assert "Waiting for a decision" in page_text(client.get("/volunteer"))


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"start_date": "past"}, "start_date", "The start date cannot be in the past."),
    ({"start_date": "far"}, "start_date", "within the next 3 months"),
    ({"start_date": ""}, "start_date", "Please choose a start date."),
    ({"pledge": None}, "pledge", "Please tick the pledge"),
    ({"motivation": ""}, "motivation", "Please tell us in a few words"),
    ({"motivation": "x" * 10_000}, "motivation", "Please keep it under 5000 characters."),
    ({"availability": None}, "availability", "Please tick at least one time"),
    ({"neighbourhood": ""}, "neighbourhood", "Please choose a neighbourhood."),
    ({"languages-0-language": ""}, "languages", "Please list at least one language"),
])
def test_bad_input_is_refused_next_to_the_field_and_kept(client, login_as, app, place, today,
                                                          changes, field, message):
    login_as("resident")
    if changes.get("start_date") == "past":
        changes["start_date"] = (today - timedelta(days=1)).isoformat()
    elif changes.get("start_date") == "far":
        changes["start_date"] = (today + timedelta(days=120)).isoformat()
    data = form_data(place, today, motivation="My typed motivation", **{
        k: v for k, v in changes.items() if k != "motivation"})
    if "motivation" in changes:
        data["motivation"] = changes["motivation"]
    response = client.post("/apply/mentor", data=data)
    assert response.status_code == 422
    html = page_text(response)
    assert message in html
    if field != "languages":
        assert f'id="{field}-errors"' in html
    if "motivation" not in changes:
        assert "My typed motivation" in html
    assert 'value="tue-evening" id="availability-tue-evening" checked' in html or (
        field == "availability")
    assert count(app, Application) == 0


def test_a_second_open_application_for_the_same_role_is_refused(client, login_as, app, place,
                                                                today):
    login_as("resident")
    client.post("/apply/mentor", data=form_data(place, today))
    response = client.post("/apply/mentor", data=form_data(place, today))
    assert response.status_code == 422
    assert "already have an application for this role" in page_text(response)
    assert count(app, Application) == 1
    assert client.post("/apply/housing_helper", data=form_data(place, today)).status_code == 303


def test_pledge_text_follows_the_start_date_through_htmx(client, login_as, app, today):
    from mentorship.dates import add_months

    login_as("resident")
    from mentorship.volunteering.views import pledge_start

    with app.test_request_context():
        assert pledge_start("9999-12-01", today) == today  # outside the window: today
        assert pledge_start("2026-02-30", today) == today
    start = today + timedelta(days=5)
    response = client.get(f"/apply/mentor/pledge?start_date={start.isoformat()}",
                          headers={"HX-Request": "true", "HX-Target": "pledge-text"})
    html = page_text(response)
    assert "<" not in html
    end = add_months(start, 6)
    assert f"until at least {end.strftime('%B')} {end.day}, {end.year}" in html
    assert client.get("/apply/mentor/pledge?start_date=9999-12-01",
                      headers={"HX-Request": "true"}).status_code == 200
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]


def test_pledge_label_on_the_form_states_the_end_date(client, login_as, today):
    login_as("resident")
    html = page_text(client.get("/apply/mentor"))
    assert "I commit to give my time from" in html and 'for="pledge"' in html


def test_withdraw(client, login_as, app, apply_for):
    account = login_as("resident")
    application_id = apply_for(account)
    assert client.post(f"/applications/{application_id}/withdraw").status_code == 303
    with app.app_context():
        assert db.session.get(Application, application_id).status == "withdrawn"


def test_cannot_withdraw_someone_elses_application(client, login_as, make_user, app, apply_for):
    other = make_user("resident")
    application_id = apply_for(other)
    login_as("resident")
    assert client.post(f"/applications/{application_id}/withdraw").status_code == 404
    assert client.get(f"/applications/{application_id}/edit").status_code == 404
    with app.app_context():
        assert db.session.get(Application, application_id).status == "submitted"


@pytest.mark.parametrize("role", ["newcomer", "partner", "coordinator"])
def test_only_residents_apply(client, login_as, role, place, today):
    login_as(role)
    assert client.get("/apply/mentor").status_code == 403
    assert client.post("/apply/mentor", data=form_data(place, today)).status_code == 403
    assert client.get("/volunteer").status_code == 403


def test_unknown_role_is_404(client, login_as):
    login_as("resident")
    assert client.get("/apply/astronaut").status_code == 404


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_coordinator_pages_refuse_others(client, login_as, make_user, apply_for, role):
    application_id = apply_for(make_user("resident"))
    login_as(role)
    for path in COORDINATOR_PAGES:
        assert client.get(path).status_code == 403, path
    response = client.post(f"/coordinate/applications/{application_id}/decide",
                           data={"approve": "1"})
    assert response.status_code == 403


def test_admin_may_coordinate(client, login_as):
    login_as("admin")
    for path in COORDINATOR_PAGES:
        assert client.get(path).status_code == 200, path


def test_coordinator_approves_inline_with_htmx(client, login_as, make_user, app, apply_for,
                                               outbox):
    resident = make_user("resident", name="Inès Moreau")
    application_id = apply_for(resident)
    login_as("coordinator")
    assert "Inès Moreau" in page_text(client.get("/coordinate/applications"))
    response = client.post(
        f"/coordinate/applications/{application_id}/decide",
        data={"approve": "1", "message": "Welcome aboard"},
        headers={"HX-Request": "true", "HX-Target": f"application-{application_id}"},
    )
    assert response.status_code == 200
    html = page_text(response)
    assert html.lstrip().startswith("<article") and "Approved" in html
    assert "Decision recorded for Inès Moreau." in html
    assert 'name="approve"' not in html
    assert count(app, Commitment) == 1
    assert "Welcome aboard" in outbox[-1].get_body(("plain",)).get_content()


def test_plain_post_decision_and_second_decision_refused(client, login_as, make_user, app,
                                                         apply_for):
    application_id = apply_for(make_user("resident"))
    login_as("coordinator")
    url = f"/coordinate/applications/{application_id}/decide"
    response = client.post(url, data={"reject": "1", "message": "Not now, sorry."})
    assert response.status_code == 303
    again = client.post(url, data={"approve": "1"}, headers={"HX-Request": "true"})
    assert again.status_code == 409
    assert "already been decided" in page_text(again)
    assert again.headers["HX-Retarget"] == "#messages"
    assert count(app, Commitment) == 0


HTMX_AND_PLAIN = pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])


def decision_headers(htmx, application_id):
    if not htmx:
        return {}
    return {"HX-Request": "true", "HX-Target": f"application-{application_id}",
            "HX-Current-URL": "http://localhost/coordinate/applications"}


def assert_error_next_to_the_message(html, application_id, error):
    """The card again (not the #messages region), the error tied to the message field."""
    assert f'id="application-{application_id}"' in html
    field = f"message-{application_id}"
    errors = html.index(f'id="{field}-errors"')
    assert error in html[errors:html.index("</ul>", errors)]
    assert re.search(rf'<textarea[^>]*aria-invalid="true"[^>]*id="{field}"', html) or (
        re.search(rf'<textarea[^>]*id="{field}"[^>]*aria-invalid="true"', html))


@HTMX_AND_PLAIN
def test_decline_without_message_is_refused(client, login_as, make_user, app, apply_for, htmx):
    application_id = apply_for(make_user("resident"))
    login_as("coordinator")
    response = client.post(f"/coordinate/applications/{application_id}/decide",
                           data={"reject": "1", "message": ""},
                           headers=decision_headers(htmx, application_id))
    assert response.status_code == 422
    assert "HX-Retarget" not in response.headers
    assert_error_next_to_the_message(page_text(response), application_id,
                                     "Please write a message")
    assert page_text(response).lstrip().startswith("<article") == htmx
    with app.app_context():
        assert db.session.get(Application, application_id).status == "submitted"


def test_resident_sees_the_decision_message_and_commitment(client, login_as, make_user, app,
                                                           apply_for, make_module):
    make_module()
    resident = make_user("resident")
    application_id = apply_for(resident)
    coordinator = make_user("coordinator")
    log_in(client, coordinator)
    client.post(f"/coordinate/applications/{application_id}/decide",
                data={"approve": "1", "message": "See you at the training!"})
    client.post("/logout")
    log_in(client, resident)
    html = page_text(client.get("/volunteer"))
    assert "See you at the training!" in html
    assert "Waiting for training" in html
    with app.app_context():
        end = db.session.scalar(db.select(Commitment.end_date))
    assert f"{end.strftime('%B')} {end.day}, {end.year}" in html


def test_request_info_then_resident_answers(client, login_as, make_user, app, apply_for, place,
                                            today):
    resident = make_user("resident")
    application_id = apply_for(resident)
    log_in(client, make_user("coordinator"))
    client.post(f"/coordinate/applications/{application_id}/decide",
                data={"request_info": "1", "message": "Which evenings suit you?"})
    client.post("/logout")
    log_in(client, resident)
    html = page_text(client.get(f"/applications/{application_id}/edit"))
    assert "Which evenings suit you?" in html
    response = client.post(f"/applications/{application_id}/edit",
                           data=form_data(place, today, motivation="Tuesdays and Thursdays."))
    assert response.status_code == 303
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert (application.status, application.motivation) == (
            "submitted", "Tuesdays and Thursdays.")


def test_queue_filters(client, login_as, make_user, app, apply_for, today):
    arabic = make_user("resident", name="Speaks Arabic")
    apply_for(arabic, "mentor", languages=[("ar", "native")])
    ukrainian = make_user("resident", name="Speaks Ukrainian")
    apply_for(ukrainian, "housing_helper", languages=[("uk", "native")])
    login_as("coordinator")
    html = page_text(client.get("/coordinate/applications?language=ar"))
    assert "Speaks Arabic" in html and "Speaks Ukrainian" not in html
    html = page_text(client.get("/coordinate/applications?role=housing_helper"))
    assert "Speaks Ukrainian" in html and "Speaks Arabic" not in html
    html = page_text(client.get("/coordinate/applications?waiting=7"))
    assert "Speaks Arabic" not in html
    with app.app_context():
        for application in db.session.scalars(db.select(Application)):
            application.submitted_at -= timedelta(days=8)
        db.session.commit()
    html = page_text(client.get("/coordinate/applications?waiting=7"))
    assert "Speaks Arabic" in html and "8 days" in html


def _bulk_applications(app, number, place, today, first=0):
    from mentorship.accounts.models import LanguageSkill, UserRole

    with app.app_context():
        for index in range(first, first + number):
            user = User(name=f"Applicant {index}", email=f"bulk{index}@example.org",
                        password_hash="x", roles=[UserRole(role="resident")],
                        languages=[LanguageSkill(language="fr", level="native"),
                                   LanguageSkill(language="en", level="B2")])
            db.session.add(Application(
                user=user, role="mentor", open_role="mentor", motivation="Hello",
                neighbourhood_id=place, availability=["mon-morning"], start_date=today,
                pledge_end_date=today + timedelta(days=200)))
        db.session.commit()


def test_review_queue_costs_the_same_queries_for_10_and_500(client, login_as, app, place,
                                                            today):
    login_as("coordinator")
    _bulk_applications(app, 10, place, today)
    with count_queries(app) as small:
        assert client.get("/coordinate/applications").status_code == 200
    _bulk_applications(app, 490, place, today, first=10)
    with count_queries(app) as large:
        response = client.get("/coordinate/applications")
    assert response.status_code == 200
    assert "500 applications" in page_text(response)
    assert large.count == small.count, large.statements
    assert small.count <= 12


def test_commitments_page_lists_ending_soon_and_ended_early_by_reason(client, login_as, make_user,
                                                                     app, apply_for, today):
    from mentorship.dates import add_months

    soon, gone = make_user("resident", name="Ends Soon"), make_user("resident", name="Left Early")
    coordinator = login_as("coordinator")
    for account in (soon, gone):
        application_id = apply_for(account)
        client.post(f"/coordinate/applications/{application_id}/decide", data={"approve": "1"})
    with app.app_context():
        commitment = db.session.scalar(db.select(Commitment).filter_by(user_id=soon.id))
        commitment.status = "active"
        commitment.start_date = add_months(today, -6) + timedelta(days=10)
        commitment.end_date = today + timedelta(days=10)
        leaving = db.session.scalar(db.select(Commitment).filter_by(user_id=gone.id)).id
        db.session.commit()
    response = client.post(f"/commitments/{leaving}/end",
                           data={"reason": "lack_of_time", "note": "New job"})
    assert response.status_code == 303
    html = page_text(client.get("/coordinate/commitments"))
    assert "Ends Soon" in html and "Left Early" in html and "New job" in html
    assert "Lack of time</th><td>1</td>" in html
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="commitment.ended_early"))
        assert event.actor_id == coordinator.id


def test_volunteer_page_shows_progress_in_words(client, login_as, make_user, app, apply_for,
                                                today):
    from mentorship.dates import add_months

    resident = login_as("resident")
    application_id = apply_for(resident)
    with app.app_context():
        actor = db.session.get(User, make_user("coordinator").id)
        from mentorship.volunteering import services

        services.decide(actor, application_id, "approve", "", notify=False)
        commitment = db.session.scalar(db.select(Commitment))
        commitment.status = "active"
        commitment.start_date = add_months(today, -4)
        commitment.end_date = add_months(commitment.start_date, 6)
        db.session.commit()
    html = page_text(client.get("/volunteer"))
    assert "4 of 6 months" in html
    assert '<progress id="progress-' in html and 'max="6" value="4"' in html


def test_volunteer_cannot_end_someone_elses_commitment(client, login_as, make_user, app,
                                                        apply_for):
    owner = make_user("resident")
    application_id = apply_for(owner)
    log_in(client, make_user("coordinator"))
    client.post(f"/coordinate/applications/{application_id}/decide", data={"approve": "1"})
    client.post("/logout")
    login_as("resident")
    with app.app_context():
        commitment_id = db.session.scalar(db.select(Commitment.id))
    assert client.get(f"/commitments/{commitment_id}/end").status_code == 404
    assert client.post(f"/commitments/{commitment_id}/end",
                       data={"reason": "other"}).status_code == 404


def test_admin_edits_role_settings_but_never_below_six_months(client, login_as, app):
    login_as("admin")
    data = {"roles-0-code": "mentor", "roles-0-min_months": "5", "roles-0-capacity": "2",
            "roles-1-code": "language_buddy", "roles-1-min_months": "6", "roles-1-capacity": "3",
            "roles-2-code": "housing_helper", "roles-2-min_months": "6", "roles-2-capacity": "2"}
    response = client.post("/admin/roles", data=data)
    assert response.status_code == 422
    assert "Between 6 and 36 months." in page_text(response)
    data["roles-0-min_months"] = "8"
    assert client.post("/admin/roles", data=data).status_code == 303
    from mentorship.volunteering.models import VolunteerRole
    with app.app_context():
        assert db.session.get(VolunteerRole, "mentor").min_months == 8


@pytest.mark.parametrize("role", ["coordinator", "resident"])
def test_role_settings_are_for_admins(client, login_as, role):
    login_as(role)
    assert client.get("/admin/roles").status_code == 403


def test_audit_log_lists_application_decisions(client, login_as, make_user, apply_for):
    application_id = apply_for(make_user("resident"))
    login_as("admin")
    client.post(f"/coordinate/applications/{application_id}/decide",
                data={"reject": "1", "message": "Full for now"})
    html = page_text(client.get(f"/admin/audit?record_type=Application&record_id={application_id}"))
    assert "application.reject" in html and "Full for now" in html


@HTMX_AND_PLAIN
def test_too_long_decision_message_is_refused(client, login_as, make_user, app, apply_for,
                                              htmx):
    application_id = apply_for(make_user("resident"))
    login_as("coordinator")
    response = client.post(f"/coordinate/applications/{application_id}/decide",
                           data={"reject": "1", "message": "x" * 2001},
                           headers=decision_headers(htmx, application_id))
    assert response.status_code == 422
    html = page_text(response)
    assert_error_next_to_the_message(html, application_id,
                                     "Please keep it under 2000 characters.")
    assert "x" * 2001 + "</textarea>" in html  # what was typed is kept
    with app.app_context():
        assert db.session.get(Application, application_id).status == "submitted"


def test_sweep_command_completes_served_commitments(app, make_user, apply_for, today):
    from mentorship.dates import add_months
    from mentorship.volunteering import services

    application_id = apply_for(make_user("resident"))
    with app.app_context():
        actor = db.session.get(User, make_user("coordinator").id)
        services.decide(actor, application_id, "approve", "", notify=False)
        commitment = db.session.scalar(db.select(Commitment))
        commitment.status = "active"
        commitment.start_date = add_months(today, -7)
        commitment.end_date = add_months(commitment.start_date, 6)
        db.session.commit()
    runner = app.test_cli_runner()
    assert "1 commitment(s) completed." in runner.invoke(args=["commitments", "sweep"]).output
    assert "0 commitment(s) completed." in runner.invoke(args=["commitments", "sweep"]).output
    with app.app_context():
        assert db.session.scalar(db.select(Commitment.status)) == "completed"


def test_volunteer_page_offers_renew_and_stop_only_when_allowed(client, login_as, make_user,
                                                                app, apply_for, today):
    from mentorship.dates import add_months

    resident = login_as("resident")
    application_id = apply_for(resident)
    with app.app_context():
        actor = db.session.get(User, make_user("coordinator").id)
        from mentorship.volunteering import services

        services.decide(actor, application_id, "approve", "", notify=False)
        commitment = db.session.scalar(db.select(Commitment))
        commitment_id = commitment.id
        db.session.commit()
    html = page_text(client.get("/volunteer"))
    assert f"/commitments/{commitment_id}/end" in html and "/renew" not in html
    with app.app_context():
        commitment = db.session.get(Commitment, commitment_id)
        commitment.status = "active"
        commitment.start_date = add_months(today, -6)
        commitment.end_date = today  # served today, before the sweep records it
        db.session.commit()
    html = page_text(client.get("/volunteer"))
    assert f"/commitments/{commitment_id}/renew" in html
    assert f"/commitments/{commitment_id}/end" not in html
    response = client.post(f"/commitments/{commitment_id}/renew")
    assert response.status_code == 303
    html = page_text(client.get("/volunteer"))
    assert "Thank you for renewing your commitment!" in html
    assert "/renew" not in html  # renewed once: no second offer
    with app.app_context():
        renewed = db.session.scalar(db.select(Commitment.id).filter_by(
            renewed_from_id=commitment_id))
    assert f"/commitments/{renewed}/end" in html
    again = client.post(f"/commitments/{commitment_id}/renew", headers={"HX-Request": "true"})
    assert again.status_code == 409 and again.headers["HX-Retarget"] == "#messages"
    assert "already been renewed" in page_text(again)


def test_a_decision_confirms_once_without_a_copy_of_the_messages_region(client, login_as,
                                                                        make_user, apply_for):
    application_id = apply_for(make_user("resident", name="Inès Moreau"))
    login_as("coordinator")
    response = client.post(f"/coordinate/applications/{application_id}/decide",
                           data={"reject": "1", "message": "Not now"},
                           headers=decision_headers(True, application_id))
    html = page_text(response)
    assert html.count('id="messages"') == 1 and 'hx-swap-oob="innerHTML"' in html
    assert html.count("Decision recorded for Inès Moreau.") == 1
    assert "data-focus-after-swap" in html
    assert "Decision recorded" not in page_text(client.get("/coordinate/applications"))


def test_commitments_page_names_the_ending_soon_window(client, login_as):
    login_as("coordinator")
    html = page_text(client.get("/coordinate/commitments"))
    assert "Ending in the next 30 days" in html
    assert "No commitment ends in the next 30 days." in html


def test_the_start_date_window_is_stated_and_enforced_by_the_form(client, login_as, today):
    from mentorship.dates import add_months

    login_as("resident")
    html = page_text(client.get("/apply/mentor"))
    assert "From today up to 3 months from now." in html
    assert re.search(rf'<input[^>]*id="start_date"[^>]*max="{add_months(today, 3)}"', html) or (
        re.search(rf'max="{add_months(today, 3)}"[^>]*id="start_date"', html))


def test_a_decision_on_a_decided_application_without_javascript(client, login_as, make_user,
                                                                apply_for):
    application_id = apply_for(make_user("resident"))
    login_as("coordinator")
    url = f"/coordinate/applications/{application_id}/decide"
    assert client.post(url, data={"approve": "1"}).status_code == 303
    again = client.post(url, data={"reject": "1", "message": "Changed my mind"})
    assert again.status_code == 409
    html = page_text(again)
    assert "This application has already been decided." in html
    assert 'name="approve"' not in html and "Approved" in html  # the card as it is now
