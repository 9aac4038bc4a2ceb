"""Sign-ins live on the server: logging out (here or everywhere) and a new password end
them, so a copied session or remember-me cookie stops working."""

import hashlib
import re
from datetime import timedelta

from mentorship.accounts.models import User
from mentorship.database import utcnow
from mentorship.extensions import db
from tests.conftest import log_in, page_text

PRIVATE_PAGE = "/account"


def cookies_of(client):
    """The cookies a thief would copy: the session and the remember-me token."""
    names = ("session", "remember_token")
    return {name: client.get_cookie(name).value for name in names if client.get_cookie(name)}


def opens_private_page(app, cookies):
    """Does a new browser holding only these cookies get the private page?"""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    response = browser.get(PRIVATE_PAGE)
    assert response.status_code in (200, 303)
    return response.status_code == 200


def sign_in_token(client):
    with client.session_transaction() as session:
        return session["_user_id"].partition(":")[2]


def count_sign_ins(app):
    from mentorship.accounts.models import SignIn

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(SignIn))


def test_logout_ends_the_session_and_the_remember_token(app, client, make_user):
    account = make_user("resident")
    log_in(client, account, remember=True)
    copied = cookies_of(client)
    assert set(copied) == {"session", "remember_token"}
    assert opens_private_page(app, copied)
    assert opens_private_page(app, {"session": copied["session"]})
    assert opens_private_page(app, {"remember_token": copied["remember_token"]})

    assert client.post("/logout").status_code == 303

    assert not opens_private_page(app, copied)
    assert not opens_private_page(app, {"session": copied["session"]})
    assert not opens_private_page(app, {"remember_token": copied["remember_token"]})
    assert client.get(PRIVATE_PAGE).status_code == 303
    # The browser that logged out is told to forget its remember-me cookie.
    assert client.get_cookie("remember_token") is None


def test_logging_out_on_one_device_keeps_the_others(app, make_user):
    account = make_user("resident")
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, account, remember=True)
    log_in(phone, account)
    laptop.post("/logout")
    assert phone.get(PRIVATE_PAGE).status_code == 200


def test_log_out_everywhere_ends_every_sign_in(app, make_user):
    account = make_user("resident")
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, account, remember=True)
    log_in(phone, account, remember=True)
    copied = cookies_of(laptop)
    assert 'action="/account/log-out-everywhere"' in page_text(phone.get(PRIVATE_PAGE))

    response = phone.post("/account/log-out-everywhere")
    assert response.status_code == 303
    assert "logged out on every device" in page_text(phone.get(response.headers["Location"]))

    assert phone.get(PRIVATE_PAGE).status_code == 303
    assert laptop.get(PRIVATE_PAGE).status_code == 303
    assert not opens_private_page(app, copied)
    assert not opens_private_page(app, {"remember_token": copied["remember_token"]})
    assert count_sign_ins(app) == 0
    # Logging in again works as usual.
    log_in(laptop, account)
    assert laptop.get(PRIVATE_PAGE).status_code == 200


def test_log_out_everywhere_needs_a_login(client):
    response = client.post("/account/log-out-everywhere")
    assert response.status_code == 303
    assert "/login" in response.headers["Location"]


def test_a_password_change_keeps_this_sign_in_and_ends_the_others(app, make_user):
    account = make_user("resident")
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, account)
    log_in(phone, account, remember=True)
    with app.app_context():
        user = db.session.get(User, account.id)
        user.set_password("a completely new sentence", keep_sign_in=sign_in_token(laptop))
        db.session.commit()
    assert laptop.get(PRIVATE_PAGE).status_code == 200
    assert phone.get(PRIVATE_PAGE).status_code == 303


def test_a_password_reset_ends_every_sign_in(app, client, make_user, outbox):
    account = make_user("resident")
    other = app.test_client()
    log_in(client, account, remember=True)
    log_in(other, account, remember=True)
    client.post("/reset-password", data={"email": account.email})
    body = outbox[-1].get_body(("plain",)).get_content()
    path = re.search(r"http://127\.0\.0\.1:5000(/reset-password/\S+)", body).group(1)
    response = client.post(path, data={"password": "a brand new sentence",
                                       "confirm": "a brand new sentence"})
    assert response.status_code == 303
    assert client.get(PRIVATE_PAGE).status_code == 303
    assert other.get(PRIVATE_PAGE).status_code == 303


def test_the_database_keeps_only_a_hash_of_the_token(app, client, make_user):
    account = make_user("resident")
    log_in(client, account)
    token = sign_in_token(client)
    from mentorship.accounts.models import SignIn

    with app.app_context():
        sign_in = db.session.scalar(db.select(SignIn))
    assert sign_in.user_id == account.id
    assert token not in sign_in.token_hash
    assert sign_in.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_a_forged_or_old_sign_in_is_refused(app, client, make_user):
    account = make_user("resident")
    log_in(client, account)
    with client.session_transaction() as session:
        genuine = session["_user_id"]
        session["_user_id"] = f"{account.id}:not-the-token"
    assert client.get(PRIVATE_PAGE).status_code == 303
    with client.session_transaction() as session:
        session["_user_id"] = genuine
    assert client.get(PRIVATE_PAGE).status_code == 200
    # Another person's id with this token is not a sign-in either.
    with client.session_transaction() as session:
        session["_user_id"] = f"{account.id + 1}:{genuine.partition(':')[2]}"
    assert client.get(PRIVATE_PAGE).status_code == 303
    with client.session_transaction() as session:
        session["_user_id"] = genuine
    # A sign-in older than the remember-me cookie's life has ended too.
    from mentorship.accounts.models import SignIn

    with app.app_context():
        sign_in = db.session.scalar(db.select(SignIn))
        sign_in.created_at = utcnow() - app.config["REMEMBER_COOKIE_DURATION"] - timedelta(days=1)
        db.session.commit()
    assert client.get(PRIVATE_PAGE).status_code == 303


def test_a_new_login_ends_the_old_sign_in_of_that_browser(app, client, make_user):
    account = make_user("resident")
    log_in(client, account)
    copied = cookies_of(client)
    log_in(client, account)
    assert client.get(PRIVATE_PAGE).status_code == 200
    assert not opens_private_page(app, copied)


def test_deleting_an_account_deletes_its_sign_ins(app, client, make_user):
    account = make_user("resident")
    log_in(client, account)
    with app.app_context():
        db.session.execute(db.delete(User).where(User.id == account.id))
        db.session.commit()
    assert count_sign_ins(app) == 0
