"""The budget of the administration pages (issue 17): at most 8 SQL statements, the same
number for a few or many rows, and at most 30 KB of HTML with more rows than a page holds."""

from datetime import timedelta

import pytest

from mentorship.accounts.models import User, UserRole
from mentorship.audit.models import AuditEvent
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.mail import FAILED, OutgoingEmail
from mentorship.recognition.models import Partner, PartnerStaff
from tests.conftest import (
    MAX_BYTES,
    MAX_QUERIES,
    assert_within_budget,
    page_cost,
    page_text,
)

LONG = "A reason written at length. " * 35  # ~1,000 characters, the longest allowed


def add_people(app, count, start=0):
    """``count`` people holding several roles each, one in three disabled with a long
    reason, one in five a coordinator with a partner venue's role too."""
    with app.app_context():
        for number in range(start, start + count):
            roles = ["resident", "newcomer"] if number % 2 else ["resident"]
            if number % 5 == 0:
                roles += ["coordinator", "partner"]
            user = User(name=f"Budget Person {number:03d} Ñandú-Østergård",
                        email=f"budget.person.{number}@example.org", password_hash="x",
                        roles=[UserRole(role=role) for role in roles])
            if number % 3 == 0:
                user.is_enabled, user.disabled_reason = False, LONG
                user.disabled_at = utcnow()
            db.session.add(user)
        db.session.commit()


def add_audit_events(app, count, actor_id):
    with app.app_context():
        now = utcnow()
        db.session.add_all([
            AuditEvent(actor_id=actor_id, action="account.disabled", record_type="User",
                       record_id=number, message=LONG, data={"juries_left": number},
                       at=now - timedelta(minutes=number))
            for number in range(count)])
        db.session.commit()


def add_failed_emails(app, count):
    with app.app_context():
        db.session.add_all([
            OutgoingEmail(recipient=f"someone.{number}@example.org", template="x",
                          subject=f"Your hours were approved, note {number}",
                          message=b"x", state=FAILED, attempts=5,
                          last_error="550 5.1.1 mailbox unavailable " * 5)
            for number in range(count)])
        db.session.commit()


def add_partners(app, count):
    with app.app_context():
        for number in range(count):
            staff = User(name=f"Venue Staff {number}", password_hash="x",
                         email=f"venue.staff.{number}.{utcnow().timestamp()}@example.org",
                         roles=[UserRole(role="partner")])
            partner = Partner(name=f"Musée numéro {number}", address="1 place de la Gare",
                              website="https://example.org/venue")
            partner.staff = [PartnerStaff(user=staff)]
            db.session.add(partner)
        db.session.commit()




def test_the_people_list(app, client, login_as):
    login_as("admin")
    add_people(app, 3)
    html = assert_within_budget(app, client, "/admin/people",
                                lambda: add_people(app, 40, start=3))
    assert "44 people" in html and "Page 1 of 2" in html
    # Every row leads to where the person's roles and account change.
    assert html.count('href="/admin/people/') >= 25


def test_the_people_list_filtered_keeps_its_filters_on_each_row(app, client, login_as):
    login_as("admin")
    add_people(app, 3)
    few, _response = page_cost(app, client, "/admin/people?state=disabled")
    add_people(app, 120, start=3)
    many, response = page_cost(app, client, "/admin/people?state=disabled&page=2")
    assert many.count == few.count <= MAX_QUERIES, many.statements
    assert len(response.data) <= MAX_BYTES
    html = page_text(response)
    assert "41 people" in html and "Page 2 of 2" in html
    # A person's page brings the admin back to this list, as they left it.
    assert "filter_state=disabled" in html and "page=2" in html


def test_a_persons_roles_and_account(app, client, login_as, make_user):
    login_as("admin")
    person = make_user("resident", "coordinator", name="Inès Moreau")
    html = assert_within_budget(app, client, f"/admin/people/{person.id}",
                                lambda: add_people(app, 30))
    assert "Roles and account of Inès Moreau" in html
    assert "Remove Coordinator" in html and "Make Partner venue staff" in html


def test_the_audit_log(app, client, login_as):
    admin = login_as("admin")
    add_audit_events(app, 2, admin.id)
    html = assert_within_budget(app, client, "/admin/audit",
                                lambda: (add_audit_events(app, 60, admin.id),
                                         add_people(app, 30)))
    assert "62 events" in html and "Next page" in html
    # A message cut on the list is read in full on the event's own page (admins only).
    with app.app_context():
        event_id = db.session.scalar(db.select(AuditEvent.id).order_by(AuditEvent.at.desc()))
    assert f'href="/admin/audit/{event_id}">Read all' in html
    full = page_text(client.get(f"/admin/audit/{event_id}"))
    assert LONG in full and "account.disabled" in full
    assert client.get("/admin/audit/999999").status_code == 404


def test_an_audit_event_is_for_administrators_only(app, client, login_as):
    admin = login_as("admin")
    add_audit_events(app, 1, admin.id)
    client.post("/logout")
    login_as("coordinator")
    assert client.get("/admin/audit/1").status_code == 403


def test_the_emails_not_delivered(app, client, login_as):
    login_as("admin")
    add_failed_emails(app, 2)
    html = assert_within_budget(app, client, "/admin/mail",
                                lambda: add_failed_emails(app, 40))
    assert "Next page" in html


def test_the_partner_venues(app, client, login_as):
    login_as("admin")
    add_partners(app, 2)
    assert_within_budget(app, client, "/admin/partners", lambda: add_partners(app, 40))


@pytest.mark.parametrize("path", ["/admin", "/admin/roles", "/admin/settings"])
def test_the_other_administration_pages(app, client, login_as, path):
    login_as("admin")
    assert_within_budget(app, client, path, lambda: add_people(app, 30))
