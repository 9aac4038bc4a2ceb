"""The pages for withdrawing proposals and closing requests: who may, what is kept, what
is said (plain and HTMX)."""

import pytest

from mentorship.audit.models import AuditEvent
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest, Match
from tests.conftest import log_in, page_text
from tests.matching.test_services import get, respond

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/coordinate/matching"}


@pytest.mark.parametrize("role", ["newcomer", "resident", "partner"])
def test_only_coordinators_withdraw_and_close(client, app, proposal, login_as, role):
    _, _, _, request_id, match_id = proposal()
    login_as(role)
    assert client.post(f"/coordinate/matching/proposals/{match_id}/withdraw").status_code == 403
    assert client.post(f"/coordinate/matching/requests/{request_id}/close",
                       data={"reason": "moved_away"}).status_code == 403
    assert get(app, Match, match_id).status == "proposed"
    assert get(app, BuddyRequest, request_id).status == "open"


@pytest.mark.parametrize("role", ["coordinator", "resident", "partner"])
def test_only_newcomers_close_their_own_requests(client, app, proposal, login_as, role):
    _, _, _, request_id, _ = proposal()
    login_as(role)
    path = f"/buddy/requests/{request_id}/close"
    assert client.get(path).status_code == 403
    assert client.post(path, data={"reason": "moved_away"}).status_code == 403


def test_another_newcomers_request_is_never_shown_nor_closed(client, app, proposal, login_as):
    _, _, _, request_id, _ = proposal()
    login_as("newcomer")
    path = f"/buddy/requests/{request_id}/close"
    assert client.get(path).status_code == 404
    assert client.post(path, data={"reason": "moved_away"}).status_code == 404
    assert get(app, BuddyRequest, request_id).status == "open"


def test_withdrawing_confirms_with_and_without_htmx(client, app, proposal, login_as):
    _, _, _, request_id, first = proposal()
    login_as("coordinator")
    html = page_text(client.get(f"/coordinate/matching/requests/{request_id}"))
    assert "Withdraw the proposal" in html and "Suggestions" not in html
    response = client.post(f"/coordinate/matching/proposals/{first}/withdraw",
                           data={"note": "Sorry"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/coordinate/matching/requests/{request_id}")
    html = page_text(client.get(response.headers["Location"]))
    assert "The proposal is withdrawn" in html and "Suggestions" in html
    # The withdrawn proposal stays on the request's page, under "Earlier proposals".
    earlier = html[html.index('id="earlier-title"'):]
    with app.app_context():
        name = db.session.get(Match, first).volunteer.name
    assert "Withdrawn by the programme team" in earlier and name in earlier
    # Again through HTMX: the page changes (HX-Redirect) and the next one confirms.
    _, _, _, request_id, second = proposal()
    response = client.post(f"/coordinate/matching/proposals/{second}/withdraw", headers=HTMX)
    assert response.status_code == 204 and "HX-Redirect" in response.headers
    assert "The proposal is withdrawn" in page_text(client.get(response.headers["HX-Redirect"]))
    assert get(app, Match, second).status == "withdrawn"


def test_withdrawing_a_proposal_accepted_meanwhile_says_so(client, app, proposal, login_as):
    _, newcomer, volunteer, request_id, match_id = proposal()
    login_as("coordinator")
    respond(app, newcomer, match_id)
    respond(app, volunteer, match_id)
    response = client.post(f"/coordinate/matching/proposals/{match_id}/withdraw", headers=HTMX)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#messages"
    assert "already accepted" in page_text(response)
    response = client.post(f"/coordinate/matching/proposals/{match_id}/withdraw")
    assert response.status_code == 303
    html = page_text(client.get(response.headers["Location"]))
    assert "already accepted" in html and "Matched with" in html
    assert get(app, Match, match_id).status == "active"


def test_bad_input_keeps_what_was_typed(client, app, proposal, login_as):
    _, _, _, request_id, match_id = proposal()
    login_as("coordinator")
    response = client.post(f"/coordinate/matching/proposals/{match_id}/withdraw",
                           data={"note": "Long note " + "x" * 2000})
    assert response.status_code == 422
    html = page_text(response)
    assert "Please keep it under 2000 characters." in html and "Long note xxx" in html
    response = client.post(f"/coordinate/matching/requests/{request_id}/close",
                           data={"reason": "", "note": "Called three times"})
    assert response.status_code == 422
    html = page_text(response)
    assert "Please choose a reason." in html and "Called three times" in html
    assert get(app, BuddyRequest, request_id).status == "open"
    assert get(app, Match, match_id).status == "proposed"


def test_a_coordinator_closes_a_matched_request(client, app, active_match, login_as):
    _, _, _, request_id, match_id = active_match()
    coordinator = login_as("coordinator")
    html = page_text(client.get(f"/coordinate/matching/requests/{request_id}"))
    assert "The match ends too" in html
    response = client.post(f"/coordinate/matching/requests/{request_id}/close",
                           data={"reason": "moved_away", "note": "Left for Lyon"},
                           headers=HTMX)
    assert response.status_code == 204
    assert "is closed" in page_text(client.get(response.headers["HX-Redirect"]))
    assert get(app, Match, match_id).status == "ended_early"
    html = page_text(client.get(f"/coordinate/matching/requests/{request_id}"))
    assert "Moved away" in html and "Left for Lyon" in html and "Close this request" not in html
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent.actor_id).where(
            AuditEvent.action == "buddy_request.closed")) == coordinator.id
    # A second close (another tab): a clear message, nothing changed.
    response = client.post(f"/coordinate/matching/requests/{request_id}/close",
                           data={"reason": "unreachable"}, headers=HTMX)
    assert response.status_code == 409 and "already closed" in page_text(response)


def test_a_newcomer_closes_a_matched_request_from_the_buddy_page(client, app, active_match):
    _, newcomer, volunteer, request_id, match_id = active_match()
    log_in(client, newcomer)
    html = page_text(client.get("/buddy"))
    assert f"/buddy/requests/{request_id}/close" in html
    html = page_text(client.get(f"/buddy/requests/{request_id}/close"))
    assert "Could not be reached" not in html  # not a reason a newcomer gives
    response = client.post(f"/buddy/requests/{request_id}/close",
                           data={"reason": "", "note": "We moved"})
    assert response.status_code == 422 and "We moved" in page_text(response)
    response = client.post(f"/buddy/requests/{request_id}/close",
                           data={"reason": "moved_away", "note": "We moved"})
    assert response.status_code == 303
    html = page_text(client.get("/buddy"))
    assert "Your request is closed" in html and "Moved away" in html
    assert get(app, Match, match_id).status == "ended_early"


def test_a_newcomer_cancels_an_open_request_saying_why(client, app, proposal):
    _, newcomer, _, request_id, _ = proposal()
    log_in(client, newcomer)
    response = client.post(f"/buddy/requests/{request_id}/cancel",
                           data={"reason": "no_longer_needed"})
    assert response.status_code == 303
    assert get(app, BuddyRequest, request_id).close_reason == "no_longer_needed"
    assert "Your request is cancelled." in page_text(client.get("/buddy"))
