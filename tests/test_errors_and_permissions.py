import pytest
from flask import abort

from tests.conftest import page_text

ADMIN_PAGES = ("/admin", "/admin/people", "/admin/settings", "/admin/audit")


@pytest.mark.parametrize("role", ["resident", "newcomer", "coordinator", "partner"])
def test_admin_pages_refuse_other_roles(client, login_as, role):
    login_as(role)
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Your account does not give you access to this page." in page_text(response)


@pytest.mark.parametrize("role", ["resident", "newcomer", "coordinator", "partner"])
def test_role_changes_refuse_other_roles(client, login_as, make_user, role):
    target = make_user("resident")
    login_as(role)
    response = client.post(f"/admin/people/{target.id}/roles",
                           data={"role": "coordinator", "action": "grant"})
    assert response.status_code == 403


def test_admin_pages_open_for_admins(client, login_as):
    login_as("admin")
    for path in ADMIN_PAGES:
        assert client.get(path).status_code == 200, path


def test_logged_out_visitor_is_sent_to_login(client):
    response = client.get("/admin/people?q=x")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    assert "admin/people" in response.headers["Location"]


def test_logged_out_htmx_request_gets_hx_redirect(client):
    response = client.post("/account", headers={"HX-Request": "true", "HX-Target": "profile-form",
                                                "HX-Current-URL": "http://localhost/account"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/account"


def test_403_page_is_translated(client, login_as):
    login_as("resident", locale="fr")
    assert "Votre compte ne vous donne pas accès à cette page." in page_text(client.get("/admin"))


def test_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_404_for_htmx_is_a_fragment_in_the_message_region(client):
    response = client.get("/no-such-page", headers={"HX-Request": "true", "HX-Target": "x"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#messages"
    assert "<html" not in page_text(response)
    assert "This page does not exist" in page_text(response)


def test_405_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "This page cannot be used this way." in page_text(response)


def test_413_page(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "What you sent is too large" in page_text(response)


def test_400_page(app_factory):
    app = app_factory()

    @app.route("/bad")
    def bad():
        abort(400)

    response = app.test_client().get("/bad")
    assert response.status_code == 400
    assert "We could not understand what was sent" in page_text(response)


def test_500_page_is_friendly_and_translated(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    response = client.get("/boom", headers={"Accept-Language": "uk"})
    assert response.status_code == 500
    assert "Traceback" not in page_text(response)
    assert 'lang="uk"' in page_text(response)
    htmx = client.get("/boom", headers={"HX-Request": "true"})
    assert htmx.status_code == 500 and htmx.headers["HX-Retarget"] == "#messages"


def test_navigation_depends_on_roles(client, login_as):
    login_as("resident")
    assert "/admin" not in page_text(client.get("/"))
    client.post("/logout")
    login_as("admin")
    assert 'href="/admin"' in page_text(client.get("/"))


def test_home_tells_each_person_their_next_step(client, login_as):
    assert "Create an account" in page_text(client.get("/"))
    login_as("resident")
    assert "Complete your profile" in page_text(client.get("/"))


def test_htmx_target_naming_a_layout_block_gets_the_whole_page(client, login_as):
    login_as("coordinator")
    response = client.get("/coordinate/applications",
                          headers={"HX-Request": "true", "HX-Target": "content"})
    assert response.status_code == 200
    assert "<html" in page_text(response)
