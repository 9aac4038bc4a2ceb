"""Nothing stuck: a coordinator withdraws a proposal or closes a request; a newcomer
closes their own request."""

import threading

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.extensions import db
from mentorship.matching import endings, services
from mentorship.matching.models import BuddyRequest, Match
from tests.matching.test_services import get, propose, respond

MatchingError = services.MatchingError


def as_user(account):
    return db.session.get(User, account.id)


def audit(app, action):
    with app.app_context():
        return [(e.actor_id, e.message, e.data) for e in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def withdraw(app, coordinator, match_id, note=None):
    with app.app_context():
        match = endings.withdraw_proposal(as_user(coordinator), match_id, note)
        db.session.commit()
        return match.status


def test_a_withdrawn_proposal_tells_both_in_their_language_and_frees_the_request(
        app, proposal, active_volunteer, outbox):
    coordinator, newcomer, volunteer, request_id, match_id = proposal()
    with app.app_context():
        as_user(newcomer).locale = "fr"
        db.session.commit()
    outbox.clear()
    assert withdraw(app, coordinator, match_id, "  Wrong neighbourhood  ") == "withdrawn"
    told = {message["To"]: message for message in outbox}
    assert set(told) == {newcomer.email, volunteer.email}
    assert "Bonjour" in told[newcomer.email].get_body(("plain",)).get_content()
    assert "Hello" in told[volunteer.email].get_body(("plain",)).get_content()
    assert "Wrong neighbourhood" in told[volunteer.email].get_body(("plain",)).get_content()
    assert get(app, BuddyRequest, request_id).status == "open"
    assert audit(app, "match.withdrawn") == [
        (coordinator.id, "Wrong neighbourhood",
         {"request_id": request_id, "volunteer_id": volunteer.id})]
    # The same volunteer may be proposed again, and after another withdrawal, someone else.
    again = propose(app, coordinator, request_id, volunteer.commitment_id, note="Second try")
    assert withdraw(app, coordinator, again) == "withdrawn"
    other = active_volunteer(name="Someone Else")
    third = propose(app, coordinator, request_id, other.commitment_id, note="Third")
    assert get(app, Match, third).status == "proposed"


def test_a_newcomer_without_email_simply_gets_no_email(app, proposal, outbox):
    coordinator, newcomer, volunteer, _, match_id = proposal()
    with app.app_context():
        as_user(newcomer).email = None
        db.session.commit()
    outbox.clear()
    withdraw(app, coordinator, match_id)
    assert [message["To"] for message in outbox] == [volunteer.email]


def test_only_a_proposal_waiting_for_answers_can_be_withdrawn(app, proposal, active_match):
    coordinator, *_, match_id = active_match()
    with pytest.raises(MatchingError, match="already accepted"):
        withdraw(app, coordinator, match_id)
    coordinator, *_, match_id = proposal()
    withdraw(app, coordinator, match_id)
    with pytest.raises(MatchingError, match="declined or withdrawn already"):
        withdraw(app, coordinator, match_id)


def test_answering_a_withdrawn_proposal_says_so(app, proposal):
    coordinator, newcomer, volunteer, request_id, match_id = proposal()
    respond(app, newcomer, match_id)
    withdraw(app, coordinator, match_id)
    with pytest.raises(MatchingError, match="withdrawn this proposal"):
        respond(app, volunteer, match_id)
    with pytest.raises(MatchingError, match="withdrawn this proposal"):
        respond(app, volunteer, match_id, accept=False, reason="no_time")
    assert get(app, Match, match_id).status == "withdrawn"
    assert get(app, BuddyRequest, request_id).status == "open"


@pytest.mark.parametrize("attempt", range(3))
def test_withdrawing_while_the_last_yes_arrives_one_wins(app, proposal, attempt):
    """Two sessions at once: the coordinator withdraws while the volunteer gives the yes
    that would start the match. Exactly one succeeds; the other is told why."""
    coordinator, newcomer, volunteer, request_id, match_id = proposal()
    respond(app, newcomer, match_id)
    barrier, outcomes = threading.Barrier(2), {}

    def run(name, action):
        barrier.wait()
        try:
            action()
            outcomes[name] = "done"
        except MatchingError as error:
            outcomes[name] = str(error)

    threads = [
        threading.Thread(target=run, args=("withdraw", lambda: withdraw(app, coordinator,
                                                                        match_id))),
        threading.Thread(target=run, args=("accept", lambda: respond(app, volunteer,
                                                                     match_id))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["accept", "withdraw"]
    assert list(outcomes.values()).count("done") == 1, outcomes
    status = get(app, Match, match_id).status
    request_status = get(app, BuddyRequest, request_id).status
    if outcomes["withdraw"] == "done":
        assert "withdrawn this proposal" in outcomes["accept"]
        assert (status, request_status) == ("withdrawn", "open")
    else:
        assert "already accepted" in outcomes["withdraw"]
        assert (status, request_status) == ("active", "matched")


def test_a_coordinator_closes_an_open_request_and_its_proposal(app, proposal, outbox):
    coordinator, newcomer, volunteer, request_id, match_id = proposal()
    outbox.clear()
    with app.app_context():
        endings.close_request(as_user(coordinator), request_id, "unreachable", "No answer x3")
        db.session.commit()
    request = get(app, BuddyRequest, request_id)
    assert (request.status, request.close_reason, request.close_note, request.current_role) == (
        "closed", "unreachable", "No answer x3", None)
    assert get(app, Match, match_id).status == "withdrawn"
    assert [m["To"] for m in outbox] == [volunteer.email]
    assert "Could not be reached" in outbox[0].get_body(("plain",)).get_content()
    assert audit(app, "buddy_request.closed") == [
        (coordinator.id, "No answer x3", {"reason": "unreachable", "by": "coordinator"})]


def test_closing_a_matched_request_ends_its_match_with_the_reason(app, active_match,
                                                                  newcomer_request, outbox):
    coordinator, newcomer, volunteer, request_id, match_id = active_match()
    outbox.clear()
    with app.app_context():
        endings.close_request(as_user(coordinator), request_id, "moved_away")
        db.session.commit()
    match = get(app, Match, match_id)
    assert (match.status, match.end_reason) == ("ended_early", "moved_away")
    assert get(app, BuddyRequest, request_id).status == "closed"
    assert [m["To"] for m in outbox] == [volunteer.email]
    assert [data["was"] for _, _, data in audit(app, "match.closed_with_request")] == ["active"]
    # The volunteer's place is free, and the newcomer may ask for this help again.
    with app.app_context():
        services.create_request(as_user(newcomer), "mentor", languages=[("fr", "A2")],
                                target_language=None, needs=["customs"], note="",
                                neighbourhood_id=None, availability=["mon-evening"],
                                preferred_contact="email")
        db.session.commit()


def test_closing_needs_a_known_reason_and_a_current_request(app, proposal):
    coordinator, _, _, request_id, _ = proposal()
    with app.app_context(), pytest.raises(MatchingError, match="choose a reason") as refused:
        endings.close_request(as_user(coordinator), request_id, "bored")
    assert refused.value.field == "reason"
    with app.app_context():
        endings.close_request(as_user(coordinator), request_id, "no_longer_needed")
        db.session.commit()
    with app.app_context(), pytest.raises(MatchingError, match="already closed"):
        endings.close_request(as_user(coordinator), request_id, "moved_away")


def test_a_newcomer_closes_their_own_matched_request(app, active_match, outbox):
    _, newcomer, volunteer, request_id, match_id = active_match()
    with app.app_context(), pytest.raises(MatchingError, match="choose a reason"):
        endings.close_own_request(as_user(newcomer), request_id, "unreachable")
    outbox.clear()
    with app.app_context():
        endings.close_own_request(as_user(newcomer), request_id, "moved_away", "To Lyon")
        db.session.commit()
    assert get(app, BuddyRequest, request_id).status == "closed"
    assert get(app, Match, match_id).status == "ended_early"
    assert [m["To"] for m in outbox] == [volunteer.email]
    assert audit(app, "buddy_request.closed")[0][2] == {"reason": "moved_away", "by": "newcomer"}


def test_a_newcomer_closes_an_open_request_with_a_reason_but_not_anothers(app, proposal,
                                                                          newcomer_request):
    _, newcomer, _, request_id, match_id = proposal()
    stranger, _ = newcomer_request("housing_helper")
    with app.app_context(), pytest.raises(MatchingError, match="does not exist"):
        endings.close_own_request(as_user(stranger), request_id, "moved_away")
    with app.app_context():
        endings.close_own_request(as_user(newcomer), request_id, "matched_elsewhere")
        db.session.commit()
    request = get(app, BuddyRequest, request_id)
    assert (request.status, request.close_reason) == ("cancelled", "matched_elsewhere")
    assert get(app, Match, match_id).status == "declined"
    with app.app_context(), pytest.raises(MatchingError, match="choose a reason"):
        services.cancel_request(as_user(newcomer), request_id, "unreachable")
