"""Accounts that end: an admin disables an account with a reason (and may enable it
again); the person is logged out everywhere, cannot log in, gets no email and leaves the
open award juries."""

from datetime import date, datetime

import pytest

from mentorship.accounts.models import SignIn, User
from mentorship.accounts.services import AccountError
from mentorship.admin import services
from mentorship.audit.models import AuditEvent
from mentorship.awards.models import AwardCycle, Juror
from mentorship.database import utcnow
from mentorship.extensions import db
from tests.conftest import log_in, page_text

GENERIC = "This email and password do not match an account."
# A page only a signed-in coordinator opens.
PRIVATE = "/coordinate/applications"
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/admin/people"}


def reason_field(user_id):
    return f"person-{user_id}-reason"


def disable(client, account, reason="Left the programme in March", headers=None, **extra):
    return client.post(f"/admin/people/{account.id}/disable",
                       data={reason_field(account.id): reason, **extra}, headers=headers)


def person(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def audit_events(app, action=None):
    with app.app_context():
        query = db.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [(e.action, e.actor_id, e.record_id, e.message, e.data)
                for e in db.session.scalars(query)]


def sign_ins(app, user_id):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(SignIn)
                                 .where(SignIn.user_id == user_id))


def make_cycle(app, year, state, juror_ids):
    with app.app_context():
        cycle = AwardCycle(year=year, state=state, nominations_open_on=date(year, 1, 1),
                           nominations_close_on=date(year, 2, 1),
                           voting_deadline=date(year, 3, 1),
                           ceremony_at=datetime(year, 4, 1, 18))
        cycle.jurors = [Juror(user_id=uid) for uid in juror_ids]
        db.session.add(cycle)
        db.session.commit()
        return cycle.id


def jurors_of(app, cycle_id):
    with app.app_context():
        return set(db.session.scalars(db.select(Juror.user_id).where(Juror.cycle_id == cycle_id)))


def test_disabling_ends_sign_ins_juries_and_login(app, client, login_as, make_user, outbox):
    admin = login_as("admin")
    account = make_user("coordinator", name="Karim Haddad")
    open_cycle = make_cycle(app, 2031, "voting", [account.id, admin.id])
    announced = make_cycle(app, 2030, "announced", [account.id])
    # The person is logged in on a laptop (remember me) and on a phone.
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, account, remember=True)
    log_in(phone, account)
    remember_cookie = laptop.get_cookie("remember_token").value
    assert laptop.get(PRIVATE).status_code == 200

    response = disable(client, account, reason="  Left the programme in March  ")

    assert response.status_code == 303 and response.headers["Location"] == "/admin/people"
    user = person(app, account.id)
    assert (user.is_enabled, user.disabled_reason) == (False, "Left the programme in March")
    assert user.disabled_at is not None
    assert sign_ins(app, account.id) == 0
    # Open sessions stop at once, and so does the remember-me cookie.
    assert laptop.get(PRIVATE).status_code == 303
    assert phone.get(PRIVATE).status_code == 303
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember_cookie)
    assert fresh.get(PRIVATE).status_code == 303
    assert jurors_of(app, open_cycle) == {admin.id}
    assert jurors_of(app, announced) == {account.id}  # a decided cycle keeps its jury
    assert audit_events(app, "account.disabled") == [
        ("account.disabled", admin.id, account.id, "Left the programme in March",
         {"juries_left": 1})]
    html = page_text(client.get("/admin/people"))
    assert "The account of Karim Haddad is disabled" in html
    assert "Left the programme in March" in html

    # Logging in again fails with the same words as a wrong password: nothing more.
    outbox.clear()
    response = client.post("/login", data={"email": account.email,
                                           "password": account.password})
    assert response.status_code == 422
    assert GENERIC in page_text(response)
    assert "disabled" not in page_text(response).lower()
    # A password reset for the address sends nothing.
    client.post("/reset-password", data={"email": account.email})
    assert outbox == []


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(app, client, login_as, make_user, reason):
    login_as("admin")
    account = make_user("resident")
    response = disable(client, account, reason=reason)
    assert response.status_code == 422
    html = page_text(response)
    assert "Please give the reason for disabling this account." in html
    assert person(app, account.id).is_enabled
    assert audit_events(app, "account.disabled") == []


def test_what_was_typed_is_kept_on_an_error(app, client, login_as, make_user):
    login_as("admin")
    account = make_user("resident")
    too_long = "Moved away " * 100  # over 1000 characters
    response = disable(client, account, reason=too_long)
    assert response.status_code == 422
    html = page_text(response)
    assert "Please keep the reason under 1000 characters." in html
    assert too_long.strip() in html
    assert 'aria-invalid="true"' in html
    assert person(app, account.id).is_enabled


def test_the_disable_page_works_without_javascript(client, login_as, make_user):
    login_as("admin")
    account = make_user("resident", name="Tesfaye Alemu")
    html = page_text(client.get(f"/admin/people/{account.id}/disable"))
    assert "<h1>Disable the account of Tesfaye Alemu</h1>" in html
    assert f'<label for="{reason_field(account.id)}"' in html
    # After the change, the list comes back as the admin left it.
    response = disable(client, account, q="tesf", filter_state="enabled", page="1")
    assert response.headers["Location"] == "/admin/people?q=tesf&state=enabled&page=1"
    assert client.post("/admin/people/99999/disable", data={}).status_code == 404
    assert client.post("/admin/people/99999/enable").status_code == 404


def test_nobody_disables_themself(app, client, login_as):
    admin = login_as("admin", "coordinator")
    response = disable(client, admin)
    assert response.status_code == 303
    assert "You cannot disable your own account." in page_text(client.get("/admin/people"))
    response = disable(client, admin, headers=HTMX)
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#messages"
    assert "You cannot disable your own account." in page_text(response)
    assert person(app, admin.id).is_enabled
    assert sign_ins(app, admin.id) == 1


def test_the_last_administrator_who_can_log_in_stays(app, make_user):
    """Two admins disabling each other at once: the second change is refused (the view
    cannot reach this alone, since the one acting is an enabled administrator)."""
    first, second = make_user("admin"), make_user("admin", "coordinator")
    with app.app_context():
        one, two = db.session.get(User, first.id), db.session.get(User, second.id)
        services.disable_account(one, two.id, "Left")
        db.session.commit()
        with pytest.raises(AccountError, match="at least one administrator who can log in"):
            services.disable_account(two, one.id, "Left too")
        db.session.rollback()
        assert db.session.get(User, first.id).is_enabled
        assert services.enabled_admins_count() == 1


def test_disabling_twice_changes_nothing(app, client, login_as, make_user):
    login_as("admin")
    account = make_user("resident", name="Inès Moreau")
    disable(client, account, reason="First reason")
    first = person(app, account.id)
    response = disable(client, account, reason="Second reason", headers=HTMX)
    assert response.status_code == 409
    assert "The account of Inès Moreau is already disabled." in page_text(response)
    again = person(app, account.id)
    assert (again.disabled_reason, again.disabled_at) == ("First reason", first.disabled_at)
    assert len(audit_events(app, "account.disabled")) == 1


def test_enabling_again_clears_the_reason_and_keeps_it_in_the_audit(app, client, login_as,
                                                                     make_user):
    admin = login_as("admin")
    account = make_user("resident", name="Inès Moreau")
    disable(client, account, reason="Asked for a break")
    response = client.post(f"/admin/people/{account.id}/enable")
    assert response.status_code == 303
    user = person(app, account.id)
    assert (user.is_enabled, user.disabled_reason, user.disabled_at) == (True, None, None)
    [event] = audit_events(app, "account.enabled")
    assert event[:4] == ("account.enabled", admin.id, account.id, "Asked for a break")
    assert "The account of Inès Moreau is enabled again." in page_text(client.get("/admin/people"))
    log_in(app.test_client(), account)  # they can log in again

    response = client.post(f"/admin/people/{account.id}/enable", headers=HTMX)
    assert response.status_code == 409
    assert "The account of Inès Moreau is already enabled." in page_text(response)
    assert len(audit_events(app, "account.enabled")) == 1


def test_an_erased_account_is_not_enabled_again(app, client, login_as, make_user):
    login_as("admin")
    account = make_user("newcomer")
    with app.app_context():
        user = db.session.get(User, account.id)
        user.is_enabled, user.erased_at = False, utcnow()
        db.session.commit()
    client.post(f"/admin/people/{account.id}/enable")
    assert not person(app, account.id).is_enabled
    assert "cannot be enabled again" in page_text(client.get("/admin/people"))


@pytest.mark.parametrize("role", ["coordinator", "resident", "newcomer", "partner"])
def test_only_administrators_disable_and_enable(app, client, login_as, make_user, role):
    login_as(role)
    account = make_user("resident")
    assert client.get(f"/admin/people/{account.id}/disable").status_code == 403
    assert disable(client, account).status_code == 403
    assert client.post(f"/admin/people/{account.id}/enable").status_code == 403
    assert person(app, account.id).is_enabled
    assert audit_events(app) == []
