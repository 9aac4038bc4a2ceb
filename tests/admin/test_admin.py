from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.extensions import db
from mentorship.programme.models import Neighbourhood
from mentorship.programme.services import get_settings
from tests.conftest import page_text


def roles_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).role_names


def test_admin_grants_and_removes_a_role_inline(client, login_as, make_user, app):
    admin = login_as("admin")
    person = make_user("resident", name="Inès Moreau")
    response = client.post(f"/admin/people/{person.id}/roles",
                           data={"role": "coordinator", "action": "grant"},
                           headers={"HX-Request": "true", "HX-Target": f"person-{person.id}"})
    assert response.status_code == 200
    html = page_text(response)
    # The person's roles and account are swapped in place on their admin page.
    assert html.lstrip().startswith(f'<section id="person-{person.id}"')
    assert "Remove Coordinator" in html
    # The confirmation comes with them, for the page's #messages region.
    assert 'id="messages" hx-swap-oob="innerHTML"' in html
    assert "Roles of Inès Moreau updated." in html.split('id="messages"')[1]
    assert roles_of(app, person.id) == {"resident", "coordinator"}
    response = client.post(f"/admin/people/{person.id}/roles",
                           data={"role": "coordinator", "action": "remove", "q": "ines"})
    # Without JavaScript: back to the person's page (another role may follow), the list's
    # search still travelling with it.
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/people/{person.id}?q=ines"
    assert roles_of(app, person.id) == {"resident"}
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id, e.record_id, e.data) for e in events] == [
            ("role.granted", admin.id, person.id, {"role": "coordinator"}),
            ("role.removed", admin.id, person.id, {"role": "coordinator"}),
        ]


def test_resident_and_newcomer_roles_are_not_granted_here(client, login_as, make_user, app):
    login_as("admin")
    person = make_user("newcomer")
    client.post(f"/admin/people/{person.id}/roles", data={"role": "resident", "action": "grant"})
    assert roles_of(app, person.id) == {"newcomer"}


def test_last_admin_cannot_be_removed(client, login_as, app):
    admin = login_as("admin")
    response = client.post(f"/admin/people/{admin.id}/roles",
                           data={"role": "admin", "action": "remove"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "at least one administrator" in page_text(response)
    assert roles_of(app, admin.id) == {"admin"}


def test_people_search(client, login_as, make_user):
    login_as("admin")
    make_user("resident", name="Богдан Шевченко")
    make_user("newcomer", name="Tesfaye Alemu")
    html = page_text(client.get("/admin/people?q=богдан"))
    assert "Богдан Шевченко" in html or "Bogdan" in html
    assert "Tesfaye Alemu" not in html
    html = page_text(client.get("/admin/people?role=newcomer"))
    assert "Tesfaye Alemu" in html and "Богдан" not in html


def test_people_list_rows(client, login_as, make_user):
    login_as("admin")
    person = make_user("resident", "coordinator", name="Inès Moreau")
    html = page_text(client.get("/admin/people?q=moreau"))
    # Every role a badge, in the same order on every row; the link keeps the search.
    assert (f'<a href="/admin/people/{person.id}?q=moreau">Inès Moreau</a>' in html)
    assert ('<span class="badge">Coordinator</span> <span class="badge">Resident volunteer'
            '</span>') in html
    assert "1 person" in html


def test_settings_are_saved_with_neighbourhoods(client, login_as, app):
    login_as("admin")
    response = client.post("/admin/settings", data={
        "name": "Bienvenue Voisins", "contact_email": "hello@example.org",
        "timezone": "Europe/Berlin", "default_locale": "fr",
        "neighbourhoods": "Berriat\nÎle Verte\n\nBerriat\n",
    })
    assert response.status_code == 303
    with app.app_context():
        settings = get_settings()
        assert (settings.name, settings.timezone, settings.default_locale) == (
            "Bienvenue Voisins", "Europe/Berlin", "fr")
        names = db.session.scalars(db.select(Neighbourhood.name).where(
            Neighbourhood.active.is_(True)).order_by(Neighbourhood.position)).all()
        assert names == ["Berriat", "Île Verte"]
    # A neighbourhood dropped from the list is hidden, not deleted.
    client.post("/admin/settings", data={
        "name": "Bienvenue Voisins", "contact_email": "hello@example.org",
        "timezone": "Europe/Berlin", "default_locale": "fr", "neighbourhoods": "Île Verte"})
    with app.app_context():
        berriat = db.session.scalar(db.select(Neighbourhood).filter_by(name="Berriat"))
        assert berriat is not None and berriat.active is False


def test_settings_bad_time_zone(client, login_as, app):
    login_as("admin")
    response = client.post("/admin/settings", data={
        "name": "X", "contact_email": "hello@example.org", "timezone": "Mars/Olympus",
        "default_locale": "fr", "neighbourhoods": "Centre"})
    assert response.status_code == 422
    assert "Unknown time zone" in page_text(response)
    assert 'value="Mars/Olympus"' in page_text(response)
    with app.app_context():
        assert get_settings().timezone == "Europe/Paris"


def test_audit_log_filters_by_actor_and_record(client, login_as, make_user, app):
    admin = login_as("admin")
    first, second = make_user("resident", name="First"), make_user("resident", name="Second")
    for person in (first, second):
        client.post(f"/admin/people/{person.id}/roles",
                    data={"role": "partner", "action": "grant"})
    html = page_text(client.get(f"/admin/audit?record_type=User&record_id={first.id}"))
    assert f"User #{first.id}" in html and f"User #{second.id}" not in html
    html = page_text(client.get(f"/admin/audit?actor={admin.id}"))
    assert f"User #{first.id}" in html and f"User #{second.id}" in html
    assert "2 events" in html
    # Each event's record leads to the log of that record alone.
    assert f'href="/admin/audit?record_type=User&amp;record_id={first.id}"' in html


def test_audit_log_names_who_acted_or_the_system(client, login_as, app):
    admin = login_as("admin", name="Amélie Admin")
    with app.app_context():
        db.session.add_all([
            AuditEvent(actor_id=admin.id, action="role.granted", record_type="User",
                       record_id=admin.id),
            AuditEvent(actor_id=None, action="data.purged", record_type="Pass", record_id=None),
        ])
        db.session.commit()
    html = page_text(client.get("/admin/audit"))
    assert 'data-label="Who">Amélie Admin</td>' in html
    assert 'data-label="Who">System</td>' in html
    # An event about no record in particular leads to its kind of record.
    assert 'href="/admin/audit?record_type=Pass">Pass #None</a>' in html
    # The filter offers the staff who can act, by name.
    assert f'<option value="{admin.id}">Amélie Admin</option>' in html
