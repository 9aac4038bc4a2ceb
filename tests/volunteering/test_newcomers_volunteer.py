"""A newcomer may volunteer too: an administrator opens a role to newcomers, and a
newcomer then applies through the same pledge, training and certificate, sees the
volunteer pages, and is proposed to other newcomers like any volunteer."""

import re
from datetime import timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest
from mentorship.matching.services import eligible_commitments, suggestions
from mentorship.permissions import can_apply, can_volunteer
from mentorship.volunteering import services
from mentorship.volunteering.models import Application, Commitment, VolunteerRole
from tests.conftest import log_in, page_text
from tests.volunteering.conftest import form_data

NAV_LINK = 'href="/volunteer"'


def open_role(app, code="language_buddy", is_open=True):
    with app.app_context():
        db.session.get(VolunteerRole, code).open_to_newcomers = is_open
        db.session.commit()


def roles_form(app, **open_roles):
    """What the admin's roles page posts: every role as it is, ``open_roles`` ticked."""
    data = {}
    with app.app_context():
        for index, role in enumerate(services.all_roles()):
            data[f"roles-{index}-code"] = role.code
            data[f"roles-{index}-min_months"] = str(role.min_months)
            data[f"roles-{index}-capacity"] = str(role.capacity)
            if open_roles.get(role.code, role.open_to_newcomers):
                data[f"roles-{index}-open_to_newcomers"] = "y"
    return data


def settings_events(app):
    with app.app_context():
        return [event.data for event in db.session.scalars(
            db.select(AuditEvent).filter_by(action="role.settings_changed"))]


def test_an_administrator_opens_a_role_to_newcomers_audited(client, login_as, app):
    admin = login_as("admin")
    page = page_text(client.get("/admin/roles"))
    assert "Newcomers may apply for this role" in page
    assert 'name="roles-1-open_to_newcomers"' in page

    response = client.post("/admin/roles", data=roles_form(app, language_buddy=True))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(VolunteerRole, "language_buddy").open_to_newcomers is True
        assert db.session.get(VolunteerRole, "mentor").open_to_newcomers is False
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="role.settings_changed"))
        assert event.actor_id == admin.id
    [data] = settings_events(app)
    assert data["role"] == "language_buddy" and data["open_to_newcomers"] is True
    assert data["before"]["open_to_newcomers"] is False
    boxes = re.findall(r"<input[^>]*open_to_newcomers[^>]*>", page_text(client.get("/admin/roles")))
    assert ["checked" in box for box in boxes] == [False, True, False]

    # Saving again without a change records nothing; unticking closes it (audited).
    client.post("/admin/roles", data=roles_form(app))
    assert len(settings_events(app)) == 1
    client.post("/admin/roles", data=roles_form(app, language_buddy=False))
    assert len(settings_events(app)) == 2
    with app.app_context():
        assert db.session.get(VolunteerRole, "language_buddy").open_to_newcomers is False


@pytest.mark.parametrize("role", ["coordinator", "newcomer", "resident"])
def test_only_administrators_open_roles(client, login_as, app, role):
    login_as(role)
    assert client.post("/admin/roles", data=roles_form(app, mentor=True)).status_code == 403
    with app.app_context():
        assert db.session.get(VolunteerRole, "mentor").open_to_newcomers is False


def test_roles_page_offers_a_newcomer_only_the_open_roles(client, login_as, app):
    login_as("newcomer")
    html = page_text(client.get("/roles"))
    assert "/apply/" not in html
    assert "Open to residents only for now." in html
    open_role(app, "language_buddy")
    html = page_text(client.get("/roles"))
    assert 'href="/apply/language_buddy"' in html
    assert 'href="/apply/mentor"' not in html and 'href="/apply/housing_helper"' not in html
    assert "not a volunteer account" not in html


def test_a_newcomer_cannot_apply_for_a_role_not_open_to_newcomers(client, login_as, app, place,
                                                                   today):
    login_as("newcomer")
    refused = client.get("/apply/mentor")
    assert refused.status_code == 403
    assert "open to residents only" in page_text(refused)
    posted = client.post("/apply/mentor", data=form_data(place, today))
    assert posted.status_code == 403
    assert client.get("/apply/mentor/pledge?start_date=2030-01-01",
                      headers={"HX-Request": "true"}).status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Application)) == 0
    assert client.get("/volunteer").status_code == 403


def test_the_service_refuses_a_closed_role_to_a_newcomer(app, make_user, today, place):
    account = make_user("newcomer")
    with app.app_context():
        user = db.session.get(User, account.id)
        with pytest.raises(services.VolunteeringError) as refused:
            services.submit_application(
                user, services.get_role("mentor"), motivation="To give back.",
                languages=[("ar", "native")], neighbourhood_id=place,
                availability=["sat-morning"], start_date=today, pledge=True, today=today)
        assert refused.value.status == 403


@pytest.mark.parametrize("role", ["partner", "coordinator"])
def test_accounts_that_are_neither_residents_nor_newcomers_cannot_apply(client, login_as, role):
    login_as(role)
    assert client.get("/apply/mentor").status_code == 403


def test_a_newcomer_applies_and_then_sees_the_volunteer_pages(client, login_as, app, place,
                                                              today):
    newcomer = login_as("newcomer")
    open_role(app, "language_buddy")
    home = page_text(client.get("/roles"))
    assert NAV_LINK not in home  # no application yet: no volunteer pages
    assert client.get("/volunteer").status_code == 403

    assert client.get("/apply/language_buddy").status_code == 200
    response = client.post("/apply/language_buddy", data=form_data(place, today))
    assert response.status_code == 303 and response.headers["Location"] == "/volunteer"
    volunteer = page_text(client.get("/volunteer"))
    assert "Waiting for a decision" in volunteer
    assert NAV_LINK in volunteer and 'href="/buddy"' in volunteer  # still a newcomer
    # Only the role open to them is offered for another application.
    assert 'href="/apply/mentor"' not in volunteer
    for page in ("/training", "/hours", "/perks"):
        assert client.get(page).status_code == 200, page
    with app.app_context():
        user = db.session.get(User, newcomer.id)
        assert can_volunteer(user) and can_apply(user, services.get_role("language_buddy"))
        assert not can_apply(user, services.get_role("mentor"))


def test_a_newcomer_keeps_the_volunteer_pages_after_the_role_closes(client, login_as, app,
                                                                    make_user, apply_for):
    open_role(app, "mentor")
    account = make_user("newcomer")
    apply_for(account, "mentor")
    open_role(app, "mentor", False)
    log_in(client, account)
    assert "Waiting for a decision" in page_text(client.get("/volunteer"))
    assert client.get("/apply/mentor").status_code == 403  # but no new application


def test_an_approved_newcomer_is_matched_like_any_volunteer_but_never_with_themself(
        client, login_as, app, make_user, apply_for, place, today):
    open_role(app, "language_buddy")
    volunteer = make_user("newcomer", name="Oksana Newcomer")
    other = make_user("newcomer", name="Amira Other")
    application_id = apply_for(volunteer, "language_buddy")
    login_as("coordinator")
    response = client.post(f"/coordinate/applications/{application_id}/decide",
                           data={"approve": "1"})
    assert response.status_code == 303
    with app.app_context():
        commitment = db.session.scalar(db.select(Commitment).filter_by(user_id=volunteer.id))
        services.activate(commitment, today)
        requests = {}
        for account in (volunteer, other):
            request = BuddyRequest(user_id=account.id, role="language_buddy",
                                   current_role="language_buddy", target_language="fr",
                                   neighbourhood_id=place, availability=["tue-evening"])
            db.session.add(request)
            requests[account.id] = request
        db.session.commit()
        eligible = {row.user_id for row in db.session.execute(
            eligible_commitments(requests[other.id], today))}
        assert volunteer.id in eligible
        assert volunteer.id in {c.user_id for c in suggestions(requests[other.id], today)}
        own = {row.user_id for row in db.session.execute(
            eligible_commitments(requests[volunteer.id], today))}
        assert volunteer.id not in own
        assert commitment.end_date > today + timedelta(days=150)
