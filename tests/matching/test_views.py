import re

import pytest

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest, Match
from tests.conftest import count_queries, log_in, page_text
from tests.matching.test_services import propose, respond


def request_form(places, **changes):
    data = {"languages-0-language": "uk", "languages-0-level": "native",
            "target_language": "fr", "needs": ["language_practice"], "note": "Evenings please",
            "neighbourhood": str(places[0]), "availability": ["mon-evening"],
            "preferred_contact": "phone"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_newcomer_asks_for_a_language_buddy(client, login_as, app, places):
    login_as("newcomer")
    response = client.post("/buddy/request/language_buddy", data=request_form(places))
    assert response.status_code == 303
    with app.app_context():
        request = db.session.scalar(db.select(BuddyRequest))
        assert (request.role, request.target_language, request.needs) == (
            "language_buddy", "fr", ["language_practice"])
    html = page_text(client.get("/buddy"))
    assert "Looking for a buddy" in html and "What happens next" in html


@pytest.mark.parametrize(("changes", "message"), [
    ({"target_language": ""}, "Please choose the language you want to practise."),
    ({"needs": None}, "Please tick at least one thing."),
    ({"availability": None}, "Please tick at least one time"),
    ({"neighbourhood": ""}, "Please choose a neighbourhood."),
    ({"preferred_contact": None}, "Please choose how we should contact you."),
    ({"note": "x" * 2001}, "Please keep it under 2000 characters."),
])
def test_bad_input_on_the_request_form(client, login_as, app, places, changes, message):
    login_as("newcomer")
    response = client.post("/buddy/request/language_buddy",
                           data=request_form(places, **changes))
    assert response.status_code == 422
    html = page_text(response)
    assert message in html
    if "note" not in changes:
        assert "Evenings please" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(BuddyRequest)) == 0


@pytest.mark.parametrize("role", ["resident", "coordinator", "partner"])
def test_buddy_pages_are_for_newcomers(client, login_as, role, places):
    login_as(role)
    assert client.get("/buddy").status_code == 403
    assert client.post("/buddy/request/mentor", data=request_form(places)).status_code == 403


@pytest.mark.parametrize("role", ["newcomer", "resident", "partner"])
def test_board_is_for_coordinators(client, login_as, role, newcomer_request):
    _, request_id = newcomer_request()
    login_as(role)
    for path in ("/coordinate/matching", f"/coordinate/matching/requests/{request_id}",
                 "/coordinate/matching/matches"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/coordinate/matching/requests/{request_id}/propose",
                       data={"commitment_id": "1"}).status_code == 403


def test_contact_details_hidden_until_both_accept(client, app, newcomer_request,
                                                  active_volunteer, make_user):
    newcomer, request_id = newcomer_request("mentor", name="Yusuf Haddad")
    with app.app_context():
        user = db.session.get(User, newcomer.id)
        user.phone = "+33 6 99 88 77 66"
        db.session.commit()
    volunteer = active_volunteer()
    match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
    log_in(client, volunteer)
    html = page_text(client.get(f"/matches/{match_id}"))
    assert "Yusuf" in html and "Haddad" not in html
    assert newcomer.email not in html and "99 88 77 66" not in html
    assert "Administrative procedures" in html and "Berriat" in html
    client.post(f"/matches/{match_id}/accept")
    assert newcomer.email not in page_text(client.get(f"/matches/{match_id}"))
    respond(app, newcomer, match_id)
    html = page_text(client.get(f"/matches/{match_id}"))
    # The newcomer asked to be called: the phone number, not the email.
    assert "99 88 77 66" in html and "Yusuf Haddad" in html and newcomer.email not in html
    client.post("/logout")
    log_in(client, newcomer)
    html = page_text(client.get("/buddy"))
    assert volunteer.email in html


def test_once_a_proposal_is_declined_the_volunteer_sees_no_more(client, app,
                                                                newcomer_request,
                                                                active_volunteer, make_user):
    newcomer, request_id = newcomer_request("mentor", name="Yusuf Haddad")
    volunteer = active_volunteer()
    match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
    log_in(client, volunteer)
    assert "Administrative procedures" in page_text(client.get(f"/matches/{match_id}"))
    respond(app, newcomer, match_id, accept=False, reason="not_right_fit")
    html = page_text(client.get(f"/matches/{match_id}"))
    assert "This match has ended" in html
    for detail in ("Administrative procedures", "Berriat", "Arabic", newcomer.email):
        assert detail not in html, detail


def test_a_volunteer_never_sees_another_volunteers_newcomers(client, app, newcomer_request,
                                                             active_volunteer, make_user):
    _, request_id = newcomer_request("mentor")
    owner = active_volunteer()
    match_id = propose(app, make_user("coordinator"), request_id, owner.commitment_id)
    log_in(client, active_volunteer())
    assert client.get(f"/matches/{match_id}").status_code == 404
    assert client.post(f"/matches/{match_id}/accept").status_code == 404
    assert "Proposals to answer" not in page_text(client.get("/volunteer"))


def test_decline_needs_a_reason_and_keeps_the_note(client, app, newcomer_request,
                                                   active_volunteer, make_user):
    newcomer, request_id = newcomer_request("mentor")
    match_id = propose(app, make_user("coordinator"), request_id,
                       active_volunteer().commitment_id)
    log_in(client, newcomer)
    response = client.post(f"/matches/{match_id}/decline", data={"reason": "", "note": "Sorry"})
    assert response.status_code == 422
    assert "Please choose a reason." in page_text(response) and "Sorry" in page_text(response)
    assert client.post(f"/matches/{match_id}/decline",
                       data={"reason": "not_right_fit"}).status_code == 303
    with app.app_context():
        assert db.session.get(Match, match_id).status == "declined"


def test_coordinator_proposes_the_first_suggestion(client, login_as, app, newcomer_request,
                                                   active_volunteer, outbox):
    newcomer, request_id = newcomer_request("mentor")
    volunteer = active_volunteer(languages=(("ar", "native"),), name="Salma Idrissi")
    login_as("coordinator")
    html = page_text(client.get(f"/coordinate/matching/requests/{request_id}"))
    assert "Salma Idrissi" in html and "Speaks Arabic" in html
    # The score reads as a kind of fit, apart from the name, with what the points mean.
    assert re.search(r"Salma Idrissi</h3>\s*<p class=\"score\"><span class=\"badge fit-\w+\">"
                     r"(Good|Possible|Poor) fit</span> <span class=\"muted\">-?\d+ points?<", html)
    assert "50 or more is a good fit" in html
    response = client.post(f"/coordinate/matching/requests/{request_id}/propose",
                           data={"commitment_id": str(volunteer.commitment_id)})
    assert response.status_code == 303
    assert {m["To"] for m in outbox[-2:]} == {volunteer.email, newcomer.email}


def test_override_from_search_needs_a_note(client, login_as, app, newcomer_request,
                                           active_volunteer):
    _, request_id = newcomer_request("mentor")
    for _ in range(10):
        active_volunteer(languages=(("ar", "native"),))
    volunteer = active_volunteer(languages=(("de", "native"),), name="Klaus Search")
    login_as("coordinator")
    html = page_text(client.get(f"/coordinate/matching/requests/{request_id}?q=klaus"))
    assert "Klaus Search" in html and "Why this volunteer?" in html
    response = client.post(f"/coordinate/matching/requests/{request_id}/propose",
                           data={"commitment_id": str(volunteer.commitment_id), "note": "",
                                 "q": "klaus"})
    assert response.status_code == 422
    html = page_text(response)
    assert "explain in a note" in html and "Klaus Search" in html  # the search is kept
    # The message stands next to the note, which is marked as the field to fix.
    assert re.search(r'id="override-note-errors">[^<]*explain in a note', html)
    assert 'aria-invalid="true" aria-describedby="override-note-errors"' in html


def test_proposing_from_search_without_choosing_says_so_at_the_choice(
        client, login_as, newcomer_request, active_volunteer):
    _, request_id = newcomer_request("mentor")
    active_volunteer(languages=(("de", "native"),), name="Klaus Search")
    login_as("coordinator")
    response = client.post(f"/coordinate/matching/requests/{request_id}/propose",
                           data={"note": "Speaks German", "q": "klaus"})
    assert response.status_code == 422
    html = page_text(response)
    assert re.search(r'<fieldset class="has-error" aria-describedby="choice-errors">\s*'
                     r'<legend>Volunteers found</legend><p class="field-errors" '
                     r'id="choice-errors">Please choose a volunteer.</p>', html)
    assert 'aria-invalid="true"' not in html and "Speaks German" in html  # note kept


def test_board_costs_the_same_queries_whatever_the_number_of_requests(client, login_as, app,
                                                                      newcomer_request):
    newcomer_request()
    login_as("coordinator")
    with count_queries(app) as few:
        client.get("/coordinate/matching")
    for _ in range(15):
        newcomer_request(role="housing_helper")
    with count_queries(app) as many:
        response = client.get("/coordinate/matching")
    assert "16 requests waiting" in page_text(response)
    assert many.count == few.count


def test_requests_waiting_over_14_days_are_flagged(client, login_as, app, newcomer_request):
    from datetime import timedelta

    _, request_id = newcomer_request()
    with app.app_context():
        db.session.get(BuddyRequest, request_id).created_at -= timedelta(days=15)
        db.session.commit()
    login_as("coordinator")
    assert "Waiting too long" in page_text(client.get("/coordinate/matching"))


def test_coordinator_ends_a_match(client, login_as, app, newcomer_request, active_volunteer,
                                  make_user):
    newcomer, request_id = newcomer_request("mentor")
    volunteer = active_volunteer()
    match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
    respond(app, volunteer, match_id)
    respond(app, newcomer, match_id)
    login_as("coordinator")
    response = client.post(f"/coordinate/matching/matches/{match_id}/end",
                           data={"outcome": "completed", "reason": ""})
    assert response.status_code == 422
    response = client.post(f"/coordinate/matching/matches/{match_id}/end",
                           data={"outcome": "completed", "reason": "needs_met"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Match, match_id).status == "completed"
        assert db.session.get(BuddyRequest, request_id).status == "closed"


def test_a_newcomer_who_chose_the_office_shares_nothing_personal(client, app, newcomer_request,
                                                                 active_volunteer, make_user):
    newcomer, request_id = newcomer_request("mentor", name="Yusuf Haddad")
    with app.app_context():
        db.session.get(BuddyRequest, request_id).preferred_contact = "office"
        db.session.get(User, newcomer.id).phone = "+33 6 99 88 77 66"
        db.session.commit()
    volunteer = active_volunteer()
    match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
    respond(app, volunteer, match_id)
    respond(app, newcomer, match_id)
    log_in(client, volunteer)
    html = page_text(client.get(f"/matches/{match_id}"))
    assert "Yusuf Haddad" in html and "In person at the programme office" in html
    assert "programme@example.org" in html
    assert newcomer.email not in html and "99 88 77 66" not in html


def test_accepting_says_what_happens_next_in_the_same_journey(client, app, newcomer_request,
                                                              active_volunteer, make_user):
    newcomer, request_id = newcomer_request("mentor")
    volunteer = active_volunteer()
    match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
    log_in(client, volunteer)
    response = client.post(f"/matches/{match_id}/accept", follow_redirects=True)
    assert "waiting for the other person" in page_text(response)
    client.post("/logout")
    log_in(client, newcomer)
    response = client.post(f"/matches/{match_id}/accept", follow_redirects=True)
    assert "You both said yes" in page_text(response) and volunteer.email in page_text(response)
    # A second answer is refused: over HTMX the reason comes back in #messages with a 409,
    # otherwise on the match page the browser is sent back to.
    for action, data in (("accept", {}), ("decline", {"reason": "no_time"})):
        response = client.post(f"/matches/{match_id}/{action}", data=data,
                               headers={"HX-Request": "true"})
        assert response.status_code == 409
        assert response.headers["HX-Retarget"] == "#messages"
        assert "already been answered" in page_text(response)
    response = client.post(f"/matches/{match_id}/decline", data={"reason": "no_time"},
                           follow_redirects=True)
    assert "already been answered" in page_text(response)
    with app.app_context():
        assert db.session.get(Match, match_id).status == "active"


def test_a_disabled_buddy_is_reached_through_the_team(client, app, newcomer_request,
                                                      active_volunteer, make_user):
    newcomer, request_id = newcomer_request("mentor")
    volunteer = active_volunteer()
    match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
    respond(app, volunteer, match_id)
    respond(app, newcomer, match_id)
    with app.app_context():
        db.session.get(User, volunteer.id).is_enabled = False
        db.session.commit()
    log_in(client, newcomer)
    html = page_text(client.get("/buddy"))
    assert volunteer.email not in html
    assert "pass your messages on" in html
