"""What a matched newcomer sees of their volunteer: what the volunteer chose on /account
(users.shares_contact), never more. The volunteer's side follows the newcomer's own
choice, as before."""

import pytest

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest
from tests.conftest import log_in, page_text
from tests.matching.test_services import propose, respond

VOLUNTEER_PHONE = "+33 7 12 34 56 78"
OFFICE = "programme@example.org"  # the programme settings' contact_email
# The office address in the contact list (every footer has it too).
OFFICE_CONTACT = f'<a href="mailto:{OFFICE}">{OFFICE}</a></li>'


@pytest.fixture
def active_match(app, newcomer_request, active_volunteer, make_user):
    """An active match: (newcomer, volunteer, match id); the volunteer shares ``shares``."""

    def make(shares, phone=VOLUNTEER_PHONE, newcomer_prefers="email"):
        newcomer, request_id = newcomer_request("mentor", name="Yusuf Haddad")
        volunteer = active_volunteer(name="Claire Dubois")
        with app.app_context():
            person = db.session.get(User, volunteer.id)
            person.shares_contact, person.phone = shares, phone
            db.session.get(BuddyRequest, request_id).preferred_contact = newcomer_prefers
            db.session.get(User, newcomer.id).phone = "+33 6 99 88 77 66"
            db.session.commit()
        match_id = propose(app, make_user("coordinator"), request_id, volunteer.commitment_id)
        respond(app, volunteer, match_id)
        respond(app, newcomer, match_id)
        return newcomer, volunteer, match_id

    return make


# shares_contact, the volunteer's phone, what the newcomer sees (email, phone, office).
CHOICES = [
    ("email", VOLUNTEER_PHONE, {"email"}),
    ("phone", VOLUNTEER_PHONE, {"phone"}),
    ("phone", None, {"office"}),  # a phone chosen but none given: never the email instead
    ("office", VOLUNTEER_PHONE, {"office"}),
]


@pytest.mark.parametrize(("shares", "phone", "shown"), CHOICES)
def test_the_newcomer_sees_only_what_the_volunteer_shares(client, active_match, shares, phone,
                                                          shown):
    newcomer, volunteer, match_id = active_match(shares, phone)
    log_in(client, newcomer)
    for path in ("/buddy", f"/matches/{match_id}"):
        html = page_text(client.get(path))
        assert "Claire Dubois" in html, path
        assert (volunteer.email in html) == ("email" in shown), path
        assert ("12 34 56 78" in html) == ("phone" in shown), path
        assert (OFFICE_CONTACT in html) == ("office" in shown), path
        assert ("will pass your messages on to Claire" in html) == ("office" in shown), path


@pytest.mark.parametrize("shares", ["email", "phone", "office"])
def test_the_volunteer_still_sees_what_the_newcomer_chose(client, active_match, shares):
    newcomer, volunteer, match_id = active_match(shares, newcomer_prefers="phone")
    log_in(client, volunteer)
    html = page_text(client.get(f"/matches/{match_id}"))
    assert "Yusuf Haddad" in html and "99 88 77 66" in html
    assert newcomer.email not in html and "will pass your messages on" not in html


def test_the_choice_made_on_the_account_page_reaches_the_newcomer(app, active_match):
    newcomer, volunteer, match_id = active_match("email")
    volunteer_client, newcomer_client = app.test_client(), app.test_client()
    log_in(volunteer_client, volunteer)
    response = volunteer_client.post("/account", data={
        "name": "Claire Dubois", "locale": "en", "phone": VOLUNTEER_PHONE,
        "shares_contact": "office", "languages-0-language": "", "languages-0-level": ""})
    assert response.status_code == 303
    log_in(newcomer_client, newcomer)
    html = page_text(newcomer_client.get(f"/matches/{match_id}"))
    assert volunteer.email not in html and "12 34 56 78" not in html and OFFICE_CONTACT in html
