"""A coordinator registers a newcomer and prints the invitation; buddy requests on their
behalf; who may do it."""

import re

import pytest
from sqlalchemy import select

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest
from mentorship.people import invitations
from mentorship.people.models import Invitation
from tests.conftest import log_in, page_text
from tests.matching.conftest import places  # noqa: F401  (fixture)

CODE = re.compile(r'class="short-code" dir="ltr">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2})<')


def register(client, **fields):
    data = {"name": "Amira Haddad", "locale": "en", "email": "", "phone": "06 12 34 56 78",
            "neighbourhood": ""} | fields
    return client.post("/coordinate/people/new", data=data)


def code_on(response):
    found = CODE.search(page_text(response))
    return found.group(1) if found else None


@pytest.fixture
def coordinator(client, login_as):
    return login_as("coordinator")


def test_register_without_email_prints_the_invitation_in_the_newcomers_language(
        app, client, coordinator):
    response = register(client, name="أميرة حداد", locale="ar")
    assert response.status_code == 303
    assert re.search(r"/coordinate/people/\d+/invitation$", response.location)
    page = client.get(response.location)
    html = page_text(page)
    assert page.status_code == 200
    code = code_on(page)
    assert code
    assert 'lang="ar" dir="rtl"' in html  # the sheet, inside a page in the coordinator's
    assert '<html lang="en" dir="ltr">' in html
    assert 'src="data:image/svg+xml' in html  # the QR code
    assert f"http://127.0.0.1:5000/invite/{code}" not in html  # in the QR, not in print
    assert "http://127.0.0.1:5000/invite<" in html.replace("</span>", "<")  # to type
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == "أميرة حداد"))
        assert user.email is None and user.locale == "ar"
        assert re.fullmatch(r"newcomer\d{2,6}", user.sign_in_name)
        assert user.sign_in_name in html
        assert user.has_role("newcomer") and not user.check_password("")
        invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user.id))
        assert invitation.code_hash == invitations.hash_code(code.replace("-", ""))
        assert code.replace("-", "") not in invitation.code_hash  # only the hash is kept
        assert (invitation.expires_at - invitation.created_at).days == 30
        actions = set(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.actor_id == coordinator.id)))
        assert {"person.registered", "invitation.issued"} <= actions


def test_the_qr_code_holds_the_claim_address_from_base_url(app, client, coordinator,
                                                          monkeypatch):
    seen = []
    from mentorship.people import signup

    monkeypatch.setattr(signup, "qr_data_uri", lambda url: seen.append(url) or "data:,")
    page = client.get(register(client).location)
    assert seen == [f"http://127.0.0.1:5000/invite/{code_on(page)}"]


def test_sign_in_names_are_readable_and_unique(app, client, coordinator):
    register(client, name="Zoé-Léa  Durand")
    register(client, name="Zoe Lea Durand")
    with app.app_context():
        names = db.session.scalars(select(User.sign_in_name).where(
            User.sign_in_name.is_not(None)).order_by(User.id)).all()
    assert names[0] == "zoe.lea.durand"
    assert re.fullmatch(r"zoe\.lea\.durand\d{2,6}", names[1])


def test_the_account_has_no_usable_password(app, client, make_user, coordinator):
    register(client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.name == "Amira Haddad"))
        for guess in ("", "!unclaimed", user.password_hash):
            assert not user.check_password(guess)
    other = app.test_client()
    response = other.post("/login", data={"email": user.sign_in_name, "password": ""})
    assert response.status_code == 422


def test_bad_input_keeps_what_was_typed(app, client, coordinator, make_user):
    response = register(client, name="", phone="06 12 34 56 78", email="amira@")
    html = page_text(response)
    assert response.status_code == 422
    assert "Please tell us your name." in html
    assert 'value="06 12 34 56 78"' in html and 'value="amira@"' in html
    taken = make_user("resident", email="taken@example.org")
    response = register(client, email=taken.email)
    assert response.status_code == 422
    assert "already exists" in page_text(response)
    assert 'value="Amira Haddad"' in page_text(response)
    response = register(client, phone="call me")
    assert response.status_code == 422 and 'value="call me"' in page_text(response)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.name == "Amira Haddad")) is None


def test_the_code_is_printed_only_in_the_browser_that_made_it_then_reissued(
        app, client, coordinator, make_user):
    first = code_on(client.get(register(client, email="amira@example.org").location))
    with app.app_context():
        person_id = db.session.scalar(select(User.id).where(User.name == "Amira Haddad"))
    colleague = app.test_client()
    log_in(colleague, make_user("coordinator"))
    page = colleague.get(f"/coordinate/people/{person_id}/invitation")
    assert code_on(page) is None
    assert "Issue a new invitation" in page_text(page)
    response = colleague.post(f"/coordinate/people/{person_id}/invitation")
    assert response.status_code == 303
    second = code_on(colleague.get(f"/coordinate/people/{person_id}/invitation"))
    assert second and second != first
    # The first browser no longer prints a code that stopped working.
    assert code_on(client.get(f"/coordinate/people/{person_id}/invitation")) is None
    gone = app.test_client().get(f"/invite/{first}")
    assert gone.status_code == 410 and "newer invitation" in page_text(gone)
    assert app.test_client().get(f"/invite/{second}").status_code == 200


def test_no_invitation_takes_over_staff_or_an_account_with_email_and_password(
        app, client, coordinator, make_user):
    """An invitation sets a password: not for staff, nor for someone who can reset theirs
    by email."""
    for account in (make_user("admin"), make_user("newcomer", email="own@example.org")):
        assert client.get(f"/coordinate/people/{account.id}/invitation").status_code == 404
        assert client.post(f"/coordinate/people/{account.id}/invitation").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


COORDINATOR_ROUTES = [
    ("get", "/coordinate/people/new"), ("post", "/coordinate/people/new"),
    ("get", "/coordinate/people/{id}/invitation"),
    ("post", "/coordinate/people/{id}/invitation"),
    ("get", "/coordinate/people/{id}/request"), ("post", "/coordinate/people/{id}/request"),
    ("get", "/coordinate/people/to-call"),
]


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_only_coordinators(app, client, login_as, make_user, role):
    newcomer = make_user("newcomer")
    login_as(role)
    for method, path in COORDINATOR_ROUTES:
        response = getattr(client, method)(path.format(id=newcomer.id),
                                           data={"name": "X", "locale": "en"})
        assert response.status_code == 403, (method, path)
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None
        assert db.session.scalar(select(User).where(User.name == "X")) is None


def test_logged_out_goes_to_login(client, make_user):
    response = client.get("/coordinate/people/new")
    assert response.status_code in (302, 303) and "/login" in response.location


# Buddy request on the newcomer's behalf ------------------------------------------------


def request_data(place_ids, **fields):
    return {"kind": "mentor", "languages-0-language": "ar", "languages-0-level": "native",
            "needs": ["procedures"], "note": "Prefers mornings", "target_language": "",
            "neighbourhood": str(place_ids[0]), "availability": ["tue-morning"],
            "preferred_contact": "phone"} | fields


def test_a_coordinator_asks_for_a_buddy_on_a_newcomers_behalf(app, client, coordinator,
                                                               make_user, places):  # noqa: F811
    newcomer = make_user("newcomer")
    response = client.post(f"/coordinate/people/{newcomer.id}/request",
                           data=request_data(places))
    assert response.status_code == 303
    assert response.location.endswith(f"/coordinate/people/{newcomer.id}")
    with app.app_context():
        request = db.session.scalar(select(BuddyRequest))
        assert (request.user_id, request.role, request.status) == (newcomer.id, "mentor", "open")
        assert request.note == "Prefers mornings"
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "buddy_request.created_for"))
        assert event.actor_id == coordinator.id and event.record_id == request.id
    again = client.post(f"/coordinate/people/{newcomer.id}/request", data=request_data(places))
    assert again.status_code == 422
    assert "already has a request" in page_text(again)


def test_request_on_behalf_keeps_what_was_typed_and_is_only_for_newcomers(
        app, client, coordinator, make_user, places):  # noqa: F811
    newcomer = make_user("newcomer")
    response = client.post(f"/coordinate/people/{newcomer.id}/request",
                           data=request_data(places, needs=[], kind="language_buddy"))
    html = page_text(response)
    assert response.status_code == 422
    assert "Please tick at least one thing." in html
    assert "Please choose the language you want to practise." in html
    assert "Prefers mornings" in html
    resident = make_user("resident")
    assert client.get(f"/coordinate/people/{resident.id}/request").status_code == 404
    assert client.post(f"/coordinate/people/{resident.id}/request",
                       data=request_data(places)).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(BuddyRequest)) is None
