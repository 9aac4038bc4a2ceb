from tests.conftest import log_in, page_text

GENERIC = "This email and password do not match an account."


def test_login_and_logout(client, make_user):
    account = make_user("resident")
    log_in(client, account)
    assert account.name in page_text(client.get("/"))
    response = client.post("/logout")
    assert response.status_code == 303
    assert account.name not in page_text(client.get("/"))


def test_logout_needs_post(client, login_as):
    login_as("resident")
    assert client.get("/logout").status_code == 405


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    account = make_user("resident")
    wrong = client.post("/login", data={"email": account.email, "password": "not the password"})
    unknown = client.post("/login",
                          data={"email": "nobody@example.org", "password": "whatever1234"})
    assert wrong.status_code == unknown.status_code == 422
    assert GENERIC in page_text(wrong)
    assert GENERIC in page_text(unknown)
    assert 'value="nobody@example.org"' in page_text(unknown)


def test_email_is_case_insensitive_at_login(client, make_user):
    account = make_user("resident", email="mixed@example.org")
    response = client.post("/login", data={"email": "MIXED@Example.org",
                                           "password": account.password})
    assert response.status_code == 303


def test_remember_me_sets_a_remember_cookie(client, make_user):
    account = make_user("resident")
    log_in(client, account, remember=True)
    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_no_remember_cookie(client, make_user):
    log_in(client, make_user("resident"))
    assert client.get_cookie("remember_token") is None


def test_login_starts_a_new_session(client, make_user):
    client.get("/")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    log_in(client, make_user("resident"))
    with client.session_transaction() as session:
        assert "planted" not in session


def test_next_goes_back_to_the_page_asked_for(client, make_user):
    response = client.get("/account")
    assert response.status_code == 303
    assert "/login?next=/account" in response.headers["Location"]
    account = make_user("resident")
    response = client.post("/login?next=/account",
                           data={"email": account.email, "password": account.password})
    assert response.headers["Location"] == "/account"


def test_next_must_stay_on_this_site(client, make_user):
    account = make_user("resident")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        client.post("/logout")
        response = client.post(f"/login?next={target}",
                               data={"email": account.email, "password": account.password})
        assert response.headers["Location"] == "/", target


def test_disabled_account_cannot_log_in(client, make_user, app):
    from mentorship.accounts.models import User
    from mentorship.extensions import db

    account = make_user("resident")
    with app.app_context():
        db.session.get(User, account.id).is_enabled = False
        db.session.commit()
    response = client.post("/login", data={"email": account.email, "password": account.password})
    assert response.status_code == 422
