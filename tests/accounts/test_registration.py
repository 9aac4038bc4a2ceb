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
}


def register(client, **changes):
    return client.post("/register", data={**GOOD, **changes})


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


def test_duplicate_email_is_refused_case_insensitively(client, make_user, app):
    make_user(RESIDENT, email="taken@example.org")
    response = register(client, email="TAKEN@example.org", name="Second Person")
    assert response.status_code == 422
    html = page_text(response)
    assert "An account with this email already exists" in html
    assert 'id="email-errors"' in html
    assert 'value="Second Person"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


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
