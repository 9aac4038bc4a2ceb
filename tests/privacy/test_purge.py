"""`flask privacy purge`: overdue requests, inactive accounts, old audit notes; a second
run does nothing."""

from datetime import datetime, timedelta

from sqlalchemy import select

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest
from mentorship.privacy.cli import years_before
from mentorship.privacy.models import ERASED, REQUESTED, ErasureRequest
from mentorship.volunteering.models import Commitment


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
