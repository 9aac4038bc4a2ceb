"""A newcomer claims the account a coordinator prepared; signing in with a sign-in name;
accounts without email."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.people import invitations
from mentorship.people.invitations import InvitationGone
from mentorship.people.models import Invitation
from mentorship.privacy.models import Consent
from mentorship.privacy.notice import publish_notice
from tests.conftest import page_text, without_token_times

NEW_PASSWORD = "a quiet river at dawn"


@pytest.fixture
def prepared(app, make_user):
    """A newcomer registered by a coordinator, without email: (user id, sign-in name, code)."""
    coordinator = make_user("coordinator")

    def make(name="Amira Haddad", email=None, locale="en"):
        with app.test_request_context():
            actor = db.session.get(User, coordinator.id)
            user, _invitation, code = invitations.register_newcomer(
                actor, name=name, locale=locale, email=email)
            db.session.commit()
            return user.id, user.sign_in_name, invitations.format_code(code)

    return make


@pytest.fixture
def notice_version(app, make_user):
    admin = make_user("admin")
    with app.test_request_context():
        version = publish_notice(db.session.get(User, admin.id), {"en": "We keep little."})
        db.session.commit()
        return version


def claim(client, code, **fields):
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "consent": "y",
            "version": ""} | fields
    return client.post(f"/invite/{code}", data=data)


def state(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user_id))
        return user.password_hash, user.email, invitation.used_at


def test_claim_sets_the_password_records_consent_and_opens_the_buddy_page(
        app, client, prepared, notice_version):
    user_id, sign_in_name, code = prepared()
    page = client.get(f"/invite/{code}")
    assert page.status_code == 200
    assert "Welcome, Amira!" in page_text(page) and sign_in_name in page_text(page)
    response = claim(client, code, version=str(notice_version))
    assert response.status_code == 303 and response.location.endswith("/buddy")
    buddy = client.get("/buddy")
    assert buddy.status_code == 200 and sign_in_name in page_text(buddy)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.check_password(NEW_PASSWORD)
        assert db.session.scalar(select(Invitation.used_at)) is not None
        assert db.session.scalar(select(Consent.version).where(
            Consent.user_id == user_id)) == notice_version
        assert db.session.scalar(select(AuditEvent.actor_id).where(
            AuditEvent.action == "invitation.claimed")) == user_id


def test_the_code_can_be_typed_loosely(client, prepared):
    _user_id, _name, code = prepared()
    typed = code.lower().replace("-", " ")
    response = client.get("/invite", query_string={"code": typed})
    assert response.status_code == 303 and response.location.endswith(f"/invite/{code}")
    assert client.get(f"/invite/{code.replace('-', '').lower()}").status_code == 200
    wrong = client.get("/invite", query_string={"code": "K7QM-4T"})
    assert wrong.status_code == 422
    assert "not a complete code" in page_text(wrong) and 'value="K7QM-4T"' in page_text(wrong)
    assert client.get("/invite").status_code == 200


def test_a_second_claim_changes_nothing(app, client, prepared):
    user_id, _name, code = prepared()
    assert claim(client, code).status_code == 303
    before = state(app, user_id)
    other = app.test_client()
    again = claim(other, code, password="someone else entirely",
                  confirm="someone else entirely", email="thief@example.org")
    assert again.status_code == 410
    assert "already been used" in page_text(again)
    assert "Nothing was changed" in page_text(again)
    assert other.get(f"/invite/{code}").status_code == 410
    assert state(app, user_id) == before


def test_expired_and_unknown_codes_get_a_clear_page(app, client, prepared):
    user_id, _name, code = prepared()
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    before = state(app, user_id)
    for response in (client.get(f"/invite/{code}"), claim(client, code)):
        assert response.status_code == 410
        assert "ask your coordinator for a new invitation" in page_text(response)
    assert state(app, user_id) == before
    unknown = client.get("/invite/ABCD-EFGH-JK")
    assert unknown.status_code == 404 and "We do not know this code" in page_text(unknown)
    assert client.get("/invite/not-a-code").status_code == 404


def test_of_two_claims_at_once_one_wins(app, prepared, monkeypatch):
    """Both passed the check (a valid invitation) before either wrote: the conditional
    update lets only the first one claim."""
    user_id, _name, code = prepared()
    with app.test_request_context(method="POST"):
        invitations.claim(code, password=NEW_PASSWORD, agreed=True, notice_version=None)
        db.session.commit()
    # The second claim read the invitation before the first one wrote: its check passed.
    monkeypatch.setattr(invitations, "usable_invitation",
                        lambda typed, now=None: db.session.scalar(select(Invitation)))
    with app.test_request_context(method="POST"):
        with pytest.raises(InvitationGone) as refused:
            invitations.claim(code, password="another password here", agreed=True,
                              notice_version=None)
        db.session.rollback()
    assert refused.value.state == "used" and refused.value.status == 410
    with app.app_context():
        assert db.session.get(User, user_id).check_password(NEW_PASSWORD)


def test_bad_input_keeps_what_was_typed_and_leaves_the_invitation_unused(
        app, client, prepared, make_user):
    user_id, _name, code = prepared()
    response = claim(client, code, password="short", confirm="short",
                     email="amira@example.org", consent="")
    html = page_text(response)
    assert response.status_code == 422
    assert "Use at least 10 characters." in html
    assert "Please agree to the privacy notice" in html
    assert 'value="amira@example.org"' in html
    assert 'value="short"' not in html  # passwords are never sent back
    taken = make_user("resident", email="taken@example.org")
    response = claim(client, code, email=taken.email)
    assert response.status_code == 422 and "already belongs to another account" in \
        page_text(response)
    assert state(app, user_id)[2] is None


def test_an_email_given_at_claim_is_kept(app, client, prepared):
    user_id, _name, code = prepared()
    assert claim(client, code, email="Amira@Example.org").status_code == 303
    assert state(app, user_id)[1] == "amira@example.org"


def test_guessing_codes_is_throttled(app, prepared):
    _user_id, _name, code = prepared()
    app.config["INVITE_GUESS_LIMIT"] = "3 per 15 minutes"
    guesser = app.test_client()
    for guess in ("AAAA-AAAA-AA", "BBBB-BBBB-BB", "CCCC-CCCC-CC"):
        assert guesser.get(f"/invite/{guess}").status_code == 404
    assert guesser.get(f"/invite/{code}").status_code == 429
    elsewhere = app.test_client().get(f"/invite/{code}",
                                      environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert elsewhere.status_code == 200


def test_an_invitation_of_a_disabled_account_cannot_be_claimed(app, client, prepared):
    user_id, _name, code = prepared()
    with app.app_context():
        db.session.get(User, user_id).is_enabled = False
        db.session.commit()
    assert client.get(f"/invite/{code}").status_code == 410


# Signing in with a sign-in name; accounts without email ---------------------------------


def test_log_in_with_the_sign_in_name(app, client, prepared):
    _user_id, sign_in_name, code = prepared()
    claim(client, code)
    client.post("/logout")
    wrong = client.post("/login", data={"email": sign_in_name, "password": "not it at all"})
    assert wrong.status_code == 422
    assert "This sign-in name and password do not match" in page_text(wrong)
    response = client.post("/login", data={"email": f" {sign_in_name.upper()} ",
                                            "password": NEW_PASSWORD})
    assert response.status_code == 303
    assert client.get("/account").status_code == 200


def test_password_reset_for_an_account_without_email_says_to_ask_the_coordinator(
        app, client, prepared, outbox):
    _user_id, sign_in_name, code = prepared()
    response = client.post("/reset-password", data={"email": sign_in_name})
    assert response.status_code == 200
    assert "ask your coordinator for a new invitation" in page_text(response)
    assert outbox == []
    # The same answer for a name nobody has.
    unknown = client.post("/reset-password", data={"email": "nobody.here"})
    assert without_token_times(page_text(unknown)).replace("nobody.here", sign_in_name) == \
        without_token_times(page_text(response))


def test_a_sign_in_name_of_an_account_with_email_gets_the_link(app, client, prepared, outbox):
    _user_id, sign_in_name, _code = prepared(email="amira@example.org")
    client.post("/reset-password", data={"email": sign_in_name})
    assert [message["To"] for message in outbox] == ["amira@example.org"]


def test_the_account_page_lets_an_account_without_email_add_one(app, client, prepared,
                                                                  make_user):
    user_id, sign_in_name, code = prepared()
    claim(client, code)
    page = page_text(client.get("/account"))
    assert f"Signed in as {sign_in_name}" in page
    assert 'name="email"' in page and "Change my password by email" not in page
    taken = make_user("resident", email="taken@example.org")
    profile = {"name": "Amira Haddad", "locale": "en", "neighbourhood": "", "phone": "",
               "optional_emails": "y", "languages-0-language": "", "languages-0-level": ""}
    refused = client.post("/account", data=profile | {"email": taken.email})
    assert refused.status_code == 422 and "already belongs to another account" in \
        page_text(refused)
    assert client.post("/account", data=profile | {"email": "amira@example.org"}
                       ).status_code == 303
    assert state(app, user_id)[1] == "amira@example.org"
    page = page_text(client.get("/account"))
    assert 'name="email"' not in page and "Change my password by email" in page


def test_the_claim_page_speaks_the_newcomers_language(app, client, prepared):
    _user_id, _name, code = prepared(name="أميرة حداد", locale="ar")
    html = page_text(client.get(f"/invite/{code}"))
    assert '<html lang="ar" dir="rtl">' in html
    # The language switcher still decides.
    other = app.test_client()
    other.post("/language", data={"language": "fr", "next": "/"})
    assert '<html lang="fr" dir="ltr">' in page_text(other.get(f"/invite/{code}"))


def test_a_claimed_account_without_email_gets_a_new_invitation_for_a_new_password(
        app, client, prepared, make_user):
    user_id, sign_in_name, code = prepared()
    claim(client, code)
    coordinator = app.test_client()
    from tests.conftest import log_in

    log_in(coordinator, make_user("coordinator"))
    assert coordinator.post(f"/coordinate/people/{user_id}/invitation").status_code == 303
    page = page_text(coordinator.get(f"/coordinate/people/{user_id}/invitation"))
    new_code = re.search(r'class="short-code" dir="ltr">([^<]+)<', page).group(1)
    newcomer = app.test_client()
    assert claim(newcomer, new_code, password="another calm morning",
                 confirm="another calm morning").status_code == 303
    # The old password, and the browser that used it, no longer work.
    assert client.get("/account").status_code in (302, 303)
    with app.app_context():
        assert db.session.get(User, user_id).check_password("another calm morning")
