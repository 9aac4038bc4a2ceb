"""`flask privacy purge`: overdue requests, inactive accounts, old audit notes; a second
run does nothing."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from mentorship.accounts.models import ADMIN, User, UserRole
from mentorship.audit.models import AuditEvent
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest
from mentorship.privacy import cli, erasure
from mentorship.privacy.cli import years_before
from mentorship.privacy.models import CANCELLED, ERASED, REQUESTED, ErasureRequest
from mentorship.volunteering.models import Commitment
from tests.conftest import PASSWORD


def purge(app):
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    return result.output


def set_fields(app, model, ident, **values):
    with app.app_context():
        row = db.session.get(model, ident)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def erased(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).is_erased


def test_requests_waiting_too_long_are_carried_out(app, make_user):
    old, recent, cancelled = make_user("resident"), make_user("newcomer"), make_user("resident")
    days = app.config["ERASURE_CONFIRM_AFTER_DAYS"]
    with app.app_context():
        db.session.add_all([
            ErasureRequest(user_id=old.id, requested_at=utcnow() - timedelta(days=days + 1)),
            ErasureRequest(user_id=recent.id, requested_at=utcnow() - timedelta(days=days - 1)),
            ErasureRequest(user_id=cancelled.id, status="cancelled",
                           requested_at=utcnow() - timedelta(days=days + 9))])
        db.session.commit()
    output = purge(app)
    assert "Erasure requests confirmed automatically: 1" in output
    assert [erased(app, a.id) for a in (old, recent, cancelled)] == [True, False, False]
    with app.app_context():
        request = db.session.scalar(select(ErasureRequest).where(
            ErasureRequest.user_id == old.id))
        assert (request.status, request.confirmed_by_id) == (ERASED, None)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.erased"))
        assert event.actor_id is None and event.data["automatic"] is True
        assert db.session.scalar(select(ErasureRequest.status).where(
            ErasureRequest.user_id == recent.id)) == REQUESTED


def test_inactive_accounts_are_erased_except_admins_and_people_taking_part(app, make_user):
    years = app.config["INACTIVE_ACCOUNT_YEARS"]
    long_ago = years_before(utcnow(), years) - timedelta(days=1)
    never_logged_in = make_user("newcomer")
    gone = make_user("resident")
    admin = make_user("admin")
    volunteering = make_user("resident")
    waiting = make_user("newcomer")
    recent = make_user("resident")
    set_fields(app, User, never_logged_in.id, created_at=long_ago)
    for account in (gone, admin, volunteering, waiting):
        set_fields(app, User, account.id, created_at=long_ago, last_login_at=long_ago)
    set_fields(app, User, recent.id, created_at=long_ago,
               last_login_at=years_before(utcnow(), years) + timedelta(days=2))
    with app.app_context():
        today = utcnow().date()
        db.session.add_all([
            Commitment(user_id=volunteering.id, role="mentor", current_role="mentor",
                       status="active", start_date=today, end_date=today + timedelta(days=200)),
            BuddyRequest(user_id=waiting.id, role="mentor", current_role="mentor")])
        db.session.commit()
    output = purge(app)
    assert "Inactive accounts erased: 2" in output
    assert [erased(app, a.id) for a in (never_logged_in, gone, admin, volunteering, waiting,
                                        recent)] == [True, True, False, False, False, False]


def test_old_audit_notes_are_removed_and_the_facts_stay(app, make_user):
    years = app.config["AUDIT_NOTE_YEARS"]
    actor = make_user("coordinator")
    cutoff = years_before(utcnow(), years)
    with app.app_context():
        for at, message in ((cutoff - timedelta(days=1), "old note"),
                            (cutoff + timedelta(days=1), "recent note")):
            db.session.add(AuditEvent(actor_id=actor.id, action="application.reject", at=at,
                                      record_type="Application", record_id=1, message=message))
        db.session.commit()
    assert "Audit entries whose note was removed: 1" in purge(app)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.at)).all()
        assert [(e.action, e.actor_id, e.message) for e in events] == [
            ("application.reject", actor.id, None),
            ("application.reject", actor.id, "recent note")]


def test_a_second_run_does_nothing(app, make_user):
    person, inactive = make_user("resident"), make_user("newcomer")
    days = app.config["ERASURE_CONFIRM_AFTER_DAYS"]
    set_fields(app, User, inactive.id, created_at=datetime(2000, 1, 1))
    with app.app_context():
        db.session.add(ErasureRequest(user_id=person.id,
                                      requested_at=utcnow() - timedelta(days=days + 1)))
        db.session.add(AuditEvent(action="x", record_type="User", record_id=person.id,
                                  at=datetime(2000, 1, 1), message="old"))
        db.session.commit()
    first = purge(app)
    assert "confirmed automatically: 1" in first and "Inactive accounts erased: 1" in first
    with app.app_context():
        count = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    second = purge(app)
    assert second.splitlines() == [
        "Erasure requests confirmed automatically: 0",
        "Inactive accounts erased: 0",
        "Audit entries whose note was removed: 0"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == count


def test_a_refused_erasure_is_reported_and_the_others_go_on(app, make_user):
    """The only administrator asked, then nobody confirmed: the purge cannot erase them
    (nobody could administer the programme), says so, and carries on."""
    admin, other = make_user("admin"), make_user("resident")
    days = app.config["ERASURE_CONFIRM_AFTER_DAYS"]
    with app.app_context():
        for account in (admin, other):
            db.session.add(ErasureRequest(user_id=account.id,
                                          requested_at=utcnow() - timedelta(days=days + 1)))
        db.session.commit()
    output = purge(app)
    assert f"account {admin.id} not erased" in output and "administrator" in output
    assert "confirmed automatically: 1" in output
    assert [erased(app, admin.id), erased(app, other.id)] == [False, True]


# Chosen first, erased after: each person is checked again once their rows are locked ----


def between_listing_and_erasing(monkeypatch, listing, change):
    """Run ``change`` (in the purge's own session) right after the purge made ``listing``."""
    original = getattr(cli, listing)

    def listed(now):
        found = original(now)
        change()
        db.session.commit()
        return found

    monkeypatch.setattr(cli, listing, listed)


def overdue(app, *accounts):
    days = app.config["ERASURE_CONFIRM_AFTER_DAYS"]
    with app.app_context():
        for account in accounts:
            db.session.add(ErasureRequest(user_id=account.id,
                                          requested_at=utcnow() - timedelta(days=days + 1)))
        db.session.commit()


@pytest.mark.parametrize("again", [False, True])
def test_a_request_cancelled_meanwhile_is_not_carried_out(app, make_user, monkeypatch, again):
    """Cancelled after the purge listed it (and perhaps asked again: the waiting time
    starts again): skipped, counted, and the others go on."""
    person, other = make_user("resident"), make_user("newcomer")
    overdue(app, person, other)

    def cancel():
        erasure.cancel_erasure(db.session.get(User, person.id))
        if again:
            erasure.request_erasure(db.session.get(User, person.id), PASSWORD)

    between_listing_and_erasing(monkeypatch, "overdue_requests", cancel)
    output = purge(app)
    assert "Erasure requests confirmed automatically: 1 (skipped: 1)" in output
    assert f"account {person.id} not erased (erasure request)" in output
    assert [erased(app, person.id), erased(app, other.id)] == [False, True]
    with app.app_context():
        assert db.session.scalar(select(ErasureRequest.status).where(
            ErasureRequest.user_id == person.id)) == (REQUESTED if again else CANCELLED)


def long_inactive(app, *accounts):
    long_ago = years_before(utcnow(), app.config["INACTIVE_ACCOUNT_YEARS"]) - timedelta(days=1)
    for account in accounts:
        set_fields(app, User, account.id, created_at=long_ago, last_login_at=long_ago)


@pytest.mark.parametrize("meanwhile", ["logs in", "volunteers", "becomes an administrator"])
def test_an_account_used_again_meanwhile_is_not_erased(app, make_user, monkeypatch, meanwhile):
    person, other = make_user("resident"), make_user("newcomer")
    make_user("admin")  # so that the last administrator rule is not what saves them
    long_inactive(app, person, other)

    def use_again():
        if meanwhile == "logs in":
            db.session.get(User, person.id).last_login_at = utcnow()
        elif meanwhile == "volunteers":
            today = utcnow().date()
            db.session.add(Commitment(user_id=person.id, role="mentor", current_role="mentor",
                                      status="active", start_date=today,
                                      end_date=today + timedelta(days=200)))
        else:
            db.session.add(UserRole(user_id=person.id, role=ADMIN))

    between_listing_and_erasing(monkeypatch, "inactive_accounts", use_again)
    output = purge(app)
    assert "Inactive accounts erased: 1 (skipped: 1)" in output
    assert f"account {person.id} not erased (inactive)" in output
    assert [erased(app, person.id), erased(app, other.id)] == [False, True]


def test_cancelling_while_the_purge_runs_erases_or_cancels_never_both(app, make_user):
    """The person cancels while the purge carries their request out: either the request
    is cancelled and nothing is erased, or the account is erased and the cancel refused."""
    person = make_user("resident")
    overdue(app, person)
    barrier, refused, outputs = threading.Barrier(2), [], []

    def run_purge():
        barrier.wait()
        outputs.append(purge(app))

    def cancel():
        barrier.wait()
        with app.app_context():
            try:
                erasure.cancel_erasure(db.session.get(User, person.id))
                db.session.commit()
            except erasure.ErasureError:
                db.session.rollback()
                refused.append(True)

    threads = [threading.Thread(target=run_purge), threading.Thread(target=cancel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outputs) == 1
    with app.app_context():
        status = db.session.scalar(select(ErasureRequest.status).where(
            ErasureRequest.user_id == person.id))
    if erased(app, person.id):
        assert status == ERASED and refused == [True]
    else:
        assert status == CANCELLED and refused == []
