import pytest

from tests.conftest import csrf_token_from, page_text

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/health", "/no-such-page"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "HX-Request" in response.headers["Vary"]


def test_no_inline_script_or_style_in_pages(client, login_as):
    login_as("admin")
    for path in ("/", "/account", "/admin/people"):
        html = page_text(client.get(path))
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert " hx-on" not in html and "onclick" not in html


def test_htmx_is_configured_for_the_csp(client):
    html = page_text(client.get("/"))
    assert '"allowEval": false' in html and '"allowScriptTags": false' in html
    assert '"includeIndicatorStyles": false' in html and '"historyCacheSize": 0' in html
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_private_pages_are_not_cached(client, login_as):
    login_as("resident")
    response = client.get("/account")
    assert "no-store" in response.headers["Cache-Control"]
    assert 'hx-history="false"' in page_text(response)


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


def _logged_in_csrf_client(csrf_app, make_user_in):
    client = csrf_app.test_client()
    page = client.get("/login")
    token = csrf_token_from(page_text(page))
    account = make_user_in(csrf_app)
    response = client.post("/login", data={"email": account[0], "password": account[1],
                                           "csrf_token": token})
    assert response.status_code == 303
    return client


def _make_resident(app):
    from mentorship.accounts.models import User, UserRole
    from mentorship.extensions import db

    with app.app_context():
        user = User(name="Csrf Person", email="csrf@example.org")
        user.set_password("a long enough password")
        user.roles = [UserRole(role="resident")]
        db.session.add(user)
        db.session.commit()
    return ("csrf@example.org", "a long enough password")


def test_form_post_without_token_is_refused_and_keeps_what_was_typed(csrf_app):
    client = _logged_in_csrf_client(csrf_app, _make_resident)
    response = client.post("/account", data={"name": "Typed Name", "phone": "+33 1 23 45 67 89",
                                              "locale": "en", "csrf_token": "stale"},
                           headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 400
    html = page_text(response)
    assert "Nothing was saved yet" in html
    assert 'value="Typed Name"' in html and 'value="+33 1 23 45 67 89"' in html
    # The page offers a fresh token, and sending again works.
    token = csrf_token_from(html)
    again = client.post("/account", data={"name": "Typed Name", "locale": "en",
                                          "csrf_token": token, "languages-0-language": "",
                                          "languages-0-level": "", "neighbourhood": ""})
    assert again.status_code == 303


def test_htmx_post_without_token_gets_a_message_and_a_fresh_token(csrf_app):
    client = _logged_in_csrf_client(csrf_app, _make_resident)
    response = client.post("/account", data={"name": "Typed Name", "locale": "en"},
                           headers={"HX-Request": "true", "HX-Target": "profile-form",
                                    "Origin": "http://localhost"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"
    assert "csrf-refresh" in response.headers["HX-Trigger"]
    assert "<html" not in page_text(response)


def test_htmx_post_with_header_token_is_accepted(csrf_app):
    client = _logged_in_csrf_client(csrf_app, _make_resident)
    token = csrf_token_from(page_text(client.get("/account")))
    response = client.post("/account", data={"name": "Via Header", "locale": "en",
                                             "languages-0-language": "", "languages-0-level": "",
                                             "neighbourhood": ""},
                           headers={"HX-Request": "true", "HX-Target": "profile-form",
                                    "X-CSRFToken": token})
    assert response.status_code == 200
    assert 'value="Via Header"' in page_text(response)


def test_logout_needs_a_token(csrf_app):
    client = _logged_in_csrf_client(csrf_app, _make_resident)
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


def test_log_out_everywhere_needs_a_token(csrf_app):
    client = _logged_in_csrf_client(csrf_app, _make_resident)
    page = page_text(client.get("/account"))
    assert 'action="/account/log-out-everywhere"' in page
    assert client.post("/account/log-out-everywhere").status_code == 400
    assert client.get("/account").status_code == 200
    response = client.post("/account/log-out-everywhere",
                           data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 303
    assert client.get("/account").status_code == 303


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from mentorship import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app("production")


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", "https://volunteers.example.org")  # production needs it
    config = ProductionConfig()
    assert config.SESSION_COOKIE_SECURE and config.SESSION_COOKIE_HTTPONLY
    assert config.REMEMBER_COOKIE_SECURE
    assert config.SESSION_COOKIE_SAMESITE == "Lax"
    assert config.MAX_CONTENT_LENGTH > 0


def test_development_secret_key_is_generated_once(monkeypatch, tmp_path):
    import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = config.DevelopmentConfig().SECRET_KEY
    second = config.DevelopmentConfig().SECRET_KEY
    assert first == second and len(first) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_cross_site_post_is_refused_without_offering_to_resend_it(csrf_app):
    client = _logged_in_csrf_client(csrf_app, _make_resident)
    response = client.post("/account", data={"name": "Attacker", "locale": "en"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    html = page_text(response)
    assert "Attacker" not in html and "Send again" not in html


def test_secret_fields_are_never_echoed(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/register", data={"name": "Kept", "password": "hunter2hunter2",
                                               "confirm": "hunter2hunter2"},
                           headers={"Sec-Fetch-Site": "same-origin"})
    html = page_text(response)
    assert response.status_code == 400
    assert 'value="Kept"' in html and "hunter2" not in html


def test_changing_the_password_logs_out_other_devices(app, make_user):
    from mentorship.accounts.models import User
    from mentorship.extensions import db
    from tests.conftest import log_in

    account = make_user("resident")
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, account, remember=True)
    log_in(phone, account)
    with app.app_context():
        user = db.session.get(User, account.id)
        user.set_password("a completely new sentence")
        db.session.commit()
    assert laptop.get("/account").status_code == 303
    assert phone.get("/account").status_code == 303


def test_personal_downloads_are_not_cached(client, login_as):
    login_as("resident")
    assert "no-store" in client.get("/account/my-data.json").headers["Cache-Control"]


def test_proxy_fix_takes_the_client_address_from_the_proxy(app_factory):
    app = app_factory(PROXY_FIX_HOPS=1)
    client = app.test_client()
    for _attempt in range(10):
        client.post("/login", data={"email": "x@example.org", "password": "wrong password"},
                    headers={"X-Forwarded-For": "203.0.113.7"})
    other = client.post("/login", data={"email": "y@example.org", "password": "wrong password"},
                        headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 422
    same = client.post("/login", data={"email": "z@example.org", "password": "wrong password"},
                       headers={"X-Forwarded-For": "203.0.113.7"})
    assert same.status_code == 429
