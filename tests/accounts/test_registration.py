import re

from mentorship.accounts.models import NEWCOMER, RESIDENT, User
from mentorship.extensions import db
from tests.conftest import page_text

GOOD = {
    "name": "Élodie Martin",
    "email": "Elodie.Martin@Example.org",
    "password": "a long sentence about bread",
    "confirm": "a long sentence about bread",
    "locale": "fr",
    "intent": RESIDENT,
    "consent": "y",
}


def register(client, address="127.0.0.1", **changes):
    return client.post("/register", data={**GOOD, **changes},
                       environ_base={"REMOTE_ADDR": address})


def test_register_creates_a_resident_and_logs_in(client, app):
    response = register(client)
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.email == "elodie.martin@example.org"
        assert user.role_names == {RESIDENT}
        assert user.locale == "fr"
        assert user.password_hash != GOOD["password"]
        assert user.check_password(GOOD["password"])
    assert "Élodie Martin" in page_text(client.get("/"))


def test_register_as_newcomer(client, app):
    register(client, intent=NEWCOMER, email="new@example.org")
    with app.app_context():
        assert db.session.scalar(db.select(User)).role_names == {NEWCOMER}


def test_names_in_any_script_are_accepted(client, app):
    for number, name in enumerate(("يوسف الأمين", "Олена Коваленко", "Zoë Ångström-Núñez")):
        client.post("/logout")
        response = register(client, name=name, email=f"p{number}@example.org")
        assert response.status_code == 303, page_text(response)
    with app.app_context():
        names = set(db.session.scalars(db.select(User.name)))
    assert names == {"يوسف الأمين", "Олена Коваленко", "Zoë Ångström-Núñez"}


def flashed(client, response):
    """The confirmation shown on the page a registration leads to."""
    return re.findall(r'class="message message-\w+">([^<]*)<', page_text(client.get(
        response.headers["Location"])))


def headers_without_cookie_values(response):
    """Every header and its value, but the cookies' values and the clock-based ones."""
    return sorted((name, value if name != "Set-Cookie" else value.split("=", 1)[0])
                  for name, value in response.headers
                  if name not in ("X-RateLimit-Reset", "Retry-After"))


def test_an_existing_address_gets_the_same_answer_as_a_new_one(app, make_user, outbox):
    owner = make_user(RESIDENT, email="taken@example.org")
    newcomer, stranger = app.test_client(), app.test_client()
    # From two addresses, so that each starts with the same sign-up allowance.
    new = register(newcomer, "10.0.0.1", email="fresh@example.org", name="Same Name")
    taken = register(stranger, "10.0.0.2", email="TAKEN@example.org", name="Same Name")
    assert new.status_code == taken.status_code == 303
    assert headers_without_cookie_values(new) == headers_without_cookie_values(taken)
    assert new.get_data() == taken.get_data()
    said = flashed(newcomer, new)
    assert said == ["Thank you, Same Name! We have sent an email to fresh@example.org."]
    assert flashed(stranger, taken) == [said[0].replace("fresh@", "taken@")]
    # Only the new address got an account, and only its owner is logged in.
    assert "Same Name" in page_text(newcomer.get("/"))
    assert stranger.get("/account").status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2
        assert db.session.get(User, owner.id).name == owner.name
    # Each address got an email: a welcome, or a warning with a way back into the account.
    welcome, warning = outbox
    assert welcome["To"] == "fresh@example.org"
    assert warning["To"] == "taken@example.org"
    # In the language the newcomer chose (GOOD registers in French).
    assert "Votre compte est prêt" in welcome.get_body(("plain",)).get_content()
    body = warning.get_body(("plain",)).get_content()
    assert "already has an account" in body
    assert "http://127.0.0.1:5000/login" in body
    reset = re.search(r"http://127\.0\.0\.1:5000(/reset-password/\S+)", body).group(1)
    assert "New password" in page_text(stranger.get(reset))


def test_the_owner_is_warned_a_few_times_only(app, make_user, outbox):
    make_user(RESIDENT, email="taken@example.org")
    for attempt in range(6):
        response = app.test_client().post(
            "/register", data={**GOOD, "email": "taken@example.org"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt}"})
        assert response.status_code == 303
    assert len(outbox) == 3


def test_two_sign_ups_racing_for_one_address_get_the_same_answer(app, monkeypatch, outbox):
    from mentorship.accounts import services

    with app.app_context():
        first = services.register_user(name="First", email="race@example.org",
                                       password=GOOD["password"], locale="en", intent=RESIDENT,
                                       agreed=True, notice_version=None)
        db.session.commit()
        # The second sign-up checked before the first one was saved.
        real_find = services.find_user_by_email
        calls = []

        def find_too_early(email):
            calls.append(email)
            return None if len(calls) == 1 else real_find(email)

        monkeypatch.setattr(services, "find_user_by_email", find_too_early)
        second = services.register_user(name="Second", email="race@example.org",
                                        password=GOOD["password"], locale="en", intent=RESIDENT,
                                        agreed=True, notice_version=None)
        db.session.commit()
        assert first is not None and second is None
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
    assert [message["To"] for message in outbox] == ["race@example.org"] * 2


def test_short_password_is_refused_next_to_the_field(client, app):
    response = register(client, password="short", confirm="short")
    assert response.status_code == 422
    html = page_text(response)
    assert "Use at least 10 characters." in html
    assert 'id="password-errors"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="elodie.martin@example.org"' in html.lower()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_common_password_is_refused(client):
    response = register(client, password="Password123", confirm="Password123")
    assert response.status_code == 422
    assert "This password is too common" in page_text(response)


def test_passwords_must_match(client):
    response = register(client, confirm="something else entirely")
    assert "The two passwords are not the same." in page_text(response)


def test_missing_fields_each_get_a_message(client, app):
    response = client.post("/register", data={"locale": "en"})
    assert response.status_code == 422
    html = page_text(response)
    for message in (
        "Please tell us your name.",
        "Please enter your email address.",
        "Please choose a password.",
        "Please choose one.",
    ):
        assert message in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_bad_email_is_refused(client):
    response = register(client, email="not-an-email")
    assert "This does not look like an email address" in page_text(response)
    assert 'value="not-an-email"' in page_text(response)


def test_form_errors_are_translated(client):
    client.post("/language", data={"language": "fr"})
    response = register(client, password="short", confirm="short")
    assert "Utilisez au moins 10 caractères" in page_text(response)
