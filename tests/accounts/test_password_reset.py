import re

from tests.conftest import page_text


def ask_for_link(client, outbox, email):
    response = client.post("/reset-password", data={"email": email})
    assert response.status_code == 200
    assert "Check your email" in page_text(response)
    message = outbox[-1]
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:5000(/reset-password/\S+)", body).group(1), message


def test_reset_link_sets_a_new_password(client, make_user, outbox):
    account = make_user("resident")
    path, message = ask_for_link(client, outbox, account.email)
    assert message["To"] == account.email
    assert message.get_body(("html",)) is not None
    response = client.post(path, data={"password": "a brand new sentence", "confirm":
                                       "a brand new sentence"})
    assert response.status_code == 303
    assert client.post("/login", data={"email": account.email,
                                       "password": "a brand new sentence"}).status_code == 303


def test_reset_link_works_only_once(client, make_user, outbox):
    account = make_user("resident")
    path, _ = ask_for_link(client, outbox, account.email)
    client.post(path, data={"password": "a brand new sentence", "confirm": "a brand new sentence"})
    reused = client.post(path, data={"password": "yet another sentence", "confirm":
                                     "yet another sentence"})
    assert reused.status_code == 400
    assert "This link no longer works" in page_text(reused)
    assert client.post("/login", data={"email": account.email,
                                       "password": "yet another sentence"}).status_code == 422


def test_expired_link_is_refused(client, make_user, outbox, app):
    account = make_user("resident")
    path, _ = ask_for_link(client, outbox, account.email)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(path).status_code == 400


def test_forged_link_is_refused(client):
    assert client.get("/reset-password/not-a-real-token").status_code == 400


def test_unknown_email_sends_nothing_but_says_the_same(client, outbox):
    response = client.post("/reset-password", data={"email": "nobody@example.org"})
    assert "Check your email" in page_text(response)
    assert outbox == []


def test_weak_new_password_is_refused(client, make_user, outbox):
    account = make_user("resident")
    path, _ = ask_for_link(client, outbox, account.email)
    response = client.post(path, data={"password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert "Use at least 10 characters." in page_text(response)


def test_reset_email_is_in_the_users_language(client, make_user, outbox):
    account = make_user("resident", locale="fr")
    _, message = ask_for_link(client, outbox, account.email)
    assert message["Subject"] == "Réinitialiser votre mot de passe"


def test_reset_link_ignores_the_host_header(client, make_user, outbox):
    account = make_user("resident")
    client.post("/reset-password", data={"email": account.email},
                headers={"Host": "evil.example"})
    body = outbox[-1].get_body(("plain",)).get_content()
    assert "evil.example" not in body
    assert "http://127.0.0.1:5000/reset-password/" in body


def test_in_development_without_base_url_links_follow_the_address_used(app_factory):
    # A developer opens the app from another computer: the links work there. With a
    # BASE_URL set (as production requires), the Host header is never used.
    for from_request, expected in ((True, "http://192.168.1.20:5000/reset-password/"),
                                   (False, "http://127.0.0.1:5000/reset-password/")):
        app = app_factory(BASE_URL_FROM_REQUEST=from_request)
        with app.app_context():
            from mentorship.accounts.models import User, UserRole
            from mentorship.extensions import db

            email = f"dev-{from_request}@example.org"
            user = User(name="Dev Person", email=email.lower(), locale="en",
                        roles=[UserRole(role="resident")])
            user.set_password("a long enough password")
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        client.post("/reset-password", data={"email": email},
                    headers={"Host": "192.168.1.20:5000"})
        body = app.extensions["outbox"][-1].get_body(("plain",)).get_content()
        assert expected in body, from_request
