"""The people list with accounts that end: each row shows the account's state and reason
and links to the person's admin page, where disabling and enabling swap their roles and
account in place (HTMX); the list filters by state in a fixed number of queries."""

from mentorship.accounts.models import User
from mentorship.database import utcnow
from mentorship.extensions import db
from tests.admin.test_disable import HTMX, disable, person
from tests.conftest import count_queries, page_text


def test_htmx_disable_and_enable_swap_the_account_in_place(app, client, login_as, make_user):
    login_as("admin")
    account = make_user("resident", name="Inès Moreau")
    headers = {**HTMX, "HX-Target": f"person-{account.id}"}
    response = disable(client, account, reason="Moved to Lyon", headers=headers)
    assert response.status_code == 200
    html = page_text(response)
    assert html.lstrip().startswith(f'<section id="person-{account.id}"')
    assert "Moved to Lyon" in html and "Enable again" in html
    assert 'id="messages" hx-swap-oob="innerHTML"' in html
    assert "The account of Inès Moreau is disabled" in html.split('id="messages"')[1]

    response = client.post(f"/admin/people/{account.id}/enable", headers=headers)
    assert response.status_code == 200
    html = page_text(response)
    assert html.lstrip().startswith(f'<section id="person-{account.id}"')
    assert "Moved to Lyon" not in html and "Enable again" not in html


def test_htmx_error_comes_back_in_place_with_the_form_open(app, client, login_as,
                                                            make_user):
    login_as("admin")
    account = make_user("resident")
    headers = {**HTMX, "HX-Target": f"person-{account.id}"}
    response = disable(client, account, reason="", headers=headers)
    assert response.status_code == 422
    html = page_text(response)
    assert html.lstrip().startswith(f'<section id="person-{account.id}"')
    assert '<details class="disable-account" open>' in html
    assert "Please give the reason for disabling this account." in html
    assert person(app, account.id).is_enabled


def test_the_people_list_shows_and_filters_disabled_accounts(app, client, login_as,
                                                             make_user):
    login_as("admin")
    gone = make_user("resident", name="Gone Person")
    make_user("resident", name="Here Person")
    erased = make_user("newcomer", name="Former participant 7")
    disable(client, gone, reason="Moved to Lyon")
    with app.app_context():
        user = db.session.get(User, erased.id)
        user.is_enabled, user.erased_at = False, utcnow()
        db.session.commit()
    html = page_text(client.get("/admin/people?state=disabled"))
    assert "Gone Person" in html and "Moved to Lyon" in html
    assert "Here Person" not in html and "Former participant 7" not in html
    html = page_text(client.get("/admin/people?state=enabled"))
    assert "Here Person" in html and "Gone Person" not in html
    html = page_text(client.get("/admin/people?state=erased"))
    assert "Former participant 7" in html and "Gone Person" not in html
    html = page_text(client.get("/admin/people?state=nonsense"))
    assert "Gone Person" in html and "Here Person" in html


def test_people_list_queries_do_not_grow_with_disabled_people(app, client, login_as,
                                                              make_user):
    login_as("admin")
    disable(client, make_user("resident"))
    with count_queries(app) as one:
        assert client.get("/admin/people?state=disabled").status_code == 200
    for _ in range(19):
        disable(client, make_user("resident"))
    with count_queries(app) as twenty:
        html = page_text(client.get("/admin/people?state=disabled"))
    assert "20 people" in html
    assert twenty.count == one.count


def test_a_row_links_to_the_page_where_roles_and_account_change(client, login_as,
                                                                 make_user):
    admin = login_as("admin")
    account = make_user("resident", name="Inès Moreau")
    html = page_text(client.get("/admin/people?q=moreau&state=enabled"))
    link = f'href="/admin/people/{account.id}?q=moreau&amp;filter_state=enabled"'
    assert link in html
    html = page_text(client.get(f"/admin/people/{account.id}?q=moreau&filter_state=enabled"))
    assert "<h1>Roles and account of Inès Moreau</h1>" in html
    assert "Make Coordinator" in html and "Disable" in html
    # Its forms bring the admin back to the list as they left it.
    assert '<input type="hidden" name="filter_state" value="enabled">' in html
    assert 'href="/admin/people?q=moreau&amp;state=enabled"' in html
    # One's own account is not disabled from here.
    assert "Disable the account" not in page_text(client.get(f"/admin/people/{admin.id}"))
    assert client.get("/admin/people/99999").status_code == 404


def test_only_administrators_open_a_persons_admin_page(client, login_as, make_user):
    login_as("coordinator")
    account = make_user("resident")
    assert client.get(f"/admin/people/{account.id}").status_code == 403
