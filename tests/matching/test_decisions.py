"""A commitment that completes or ends while its match is active: the volunteer renews or
ends the match; coordinators see those matches."""

from datetime import timedelta

import pytest
from flask import render_template

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.matching import endings
from mentorship.matching.models import BuddyRequest, Match
from mentorship.volunteering.models import Commitment
from mentorship.volunteering.services import sweep_commitments
from tests.conftest import log_in, page_text
from tests.matching.test_services import get


def end_commitment(app, commitment_id, how="completed"):
    """The commitment's end date passes (``completed``, swept or not) or it ended early."""
    with app.app_context():
        commitment = db.session.get(Commitment, commitment_id)
        today = programme_today()
        if how == "ended_early":
            commitment.status, commitment.ended_on = "ended_early", today
            commitment.current_role = None
        else:
            commitment.end_date = today - timedelta(days=1)
            commitment.start_date = commitment.end_date - timedelta(days=190)
            if how == "completed":
                sweep_commitments(today)
        db.session.commit()


def decisions(app, account):
    with app.app_context():
        return [(d.match.id, d.may_renew) for d in endings.matches_needing_decision(account.id)]


@pytest.mark.parametrize(("how", "may_renew"), [
    ("completed", True), ("unswept", True), ("ended_early", False)])
def test_a_commitment_that_ends_under_an_active_match_asks_for_a_decision(
        app, active_match, how, may_renew):
    _, newcomer, volunteer, _, match_id = active_match()
    assert decisions(app, volunteer) == []
    end_commitment(app, volunteer.commitment_id, how)
    assert decisions(app, volunteer) == [(match_id, may_renew)]
    assert decisions(app, newcomer) == []
    with app.app_context():
        assert endings.needing_decision_count() == 1


def test_renewing_the_commitment_answers_the_prompt(app, active_match):
    from mentorship.volunteering import services as volunteering

    _, _, volunteer, _, match_id = active_match()
    end_commitment(app, volunteer.commitment_id)
    with app.app_context():
        renewed = volunteering.renew(db.session.get(User, volunteer.id),
                                     volunteer.commitment_id, programme_today())
        db.session.commit()
        assert endings.needing_decision_count() == 0
        assert db.session.get(Match, match_id).commitment_id == renewed.id
    assert decisions(app, volunteer) == []


def test_the_volunteer_sees_the_prompt_and_ends_the_match(client, app, active_match):
    _, newcomer, volunteer, request_id, match_id = active_match()
    end_commitment(app, volunteer.commitment_id)
    log_in(client, volunteer)
    html = page_text(client.get(f"/matches/{match_id}"))
    assert "Your commitment has ended" in html and "Renew my commitment" in html
    assert f"/commitments/{volunteer.commitment_id}/renew" in html
    response = client.post(f"/matches/{match_id}/end",
                           data={"reason": "", "note": "It was lovely"})
    assert response.status_code == 422
    html = page_text(response)
    assert "Please choose a reason." in html and "It was lovely" in html
    response = client.post(f"/matches/{match_id}/end",
                           data={"reason": "lack_of_time", "note": "It was lovely",
                                 "reopen": "y"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/volunteer")
    match = get(app, Match, match_id)
    assert (match.status, match.end_reason, match.end_note) == (
        "completed", "lack_of_time", "It was lovely")
    assert get(app, BuddyRequest, request_id).status == "open"  # another buddy, please
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent.actor_id).where(
            AuditEvent.action == "match.completed")) == volunteer.id
    client.post("/logout")
    log_in(client, newcomer)
    assert "Your commitment has ended" not in page_text(client.get(f"/matches/{match_id}"))


def test_a_match_with_an_active_commitment_is_not_the_volunteers_to_end(client, app,
                                                                        active_match):
    _, newcomer, volunteer, _, match_id = active_match()
    log_in(client, volunteer)
    assert "Your commitment has ended" not in page_text(client.get(f"/matches/{match_id}"))
    response = client.post(f"/matches/{match_id}/end", data={"reason": "lack_of_time"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 409 and "write to the programme team" in page_text(response)
    assert get(app, Match, match_id).status == "active"
    client.post("/logout")
    log_in(client, newcomer)  # the newcomer is not the volunteer
    end_commitment(app, volunteer.commitment_id)
    response = client.post(f"/matches/{match_id}/end", data={"reason": "lack_of_time"})
    assert response.status_code == 303
    assert get(app, Match, match_id).status == "active"


def test_strangers_cannot_end_a_match(client, app, active_match, login_as):
    *_, match_id = active_match()
    login_as("resident")
    assert client.post(f"/matches/{match_id}/end",
                       data={"reason": "lack_of_time"}).status_code == 404


def test_the_partial_for_the_volunteer_page(app, active_match):
    _, _, volunteer, _, match_id = active_match(newcomer_name="Yusuf Haddad")
    end_commitment(app, volunteer.commitment_id, "ended_early")
    with app.test_request_context():
        html = render_template("matching/_decide_prompt.html",
                               decisions=endings.matches_needing_decision(volunteer.id))
    assert "Yusuf" in html and f"/matches/{match_id}#decide" in html
    assert "Renew my commitment" not in html  # an early end cannot be renewed


def test_coordinators_see_them_on_the_dashboard_and_in_a_list(client, app, active_match,
                                                              login_as):
    _, _, volunteer, _, _ = active_match(volunteer_name="Claire Dubois")
    active_match(volunteer_name="Still Serving")
    end_commitment(app, volunteer.commitment_id)
    login_as("coordinator")
    html = page_text(client.get("/coordinate"))
    assert 'data-figure="matches_needing_decision">1<' in html
    assert "/coordinate/matching/matches?state=decision" in html
    html = page_text(client.get("/coordinate/matching/matches?state=decision"))
    assert "Claire Dubois" in html and "Still Serving" not in html
    assert "1 match waiting for the volunteer" in html
