"""Accounts that end: an administrator disables an account (with a reason) and may enable
it again. Every change is audited; a refusal changes nothing."""

from sqlalchemy import func, select

from ..accounts.models import ADMIN, User, UserRole
from ..accounts.services import AccountError, end_all_sign_ins
from ..audit.services import record
from ..awards.services import leave_open_juries
from ..database import locked, locked_one, utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l

REASON_MAX = 1000


def enabled_admins_count():
    """Administrators who can still log in."""
    return db.session.scalar(
        select(func.count()).select_from(UserRole).join(User, User.id == UserRole.user_id)
        .where(UserRole.role == ADMIN, User.is_enabled.is_(True)))


def _locked_person(person_id):
    # Lock order: the administrators' role rows first (as accounts.services.remove_role
    # does), then the person; two admins disabling each other cannot both win.
    locked(select(UserRole).where(UserRole.role == ADMIN))
    person = locked_one(User, person_id)
    if person is None:
        raise AccountError(_l("This account does not exist."))
    return person


def disable_account(actor, person_id, reason):
    """Disable an account: no login (every sign-in ends now), no email, off the open
    award juries. The reason is kept on the account and in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountError(_l("Please give the reason for disabling this account."), "reason")
    if len(reason) > REASON_MAX:
        raise AccountError(_l("Please keep the reason under %(num)d characters.",
                              num=REASON_MAX), "reason")
    if person_id == actor.id:
        raise AccountError(_l("You cannot disable your own account. Please ask another "
                              "administrator."))
    person = _locked_person(person_id)
    if person.is_erased:
        raise AccountError(_l("This account has been erased: it cannot log in already."))
    if not person.is_enabled:
        raise AccountError(_l("The account of %(name)s is already disabled.",
                              name=person.name))
    if ADMIN in person.role_names and enabled_admins_count() <= 1:
        raise AccountError(_l("The programme needs at least one administrator who can log "
                              "in. Make someone else an administrator first."))
    person.is_enabled, person.disabled_reason, person.disabled_at = False, reason, utcnow()
    end_all_sign_ins(person)
    juries_left = leave_open_juries(person)
    record(actor, "account.disabled", person, reason, juries_left=juries_left)
    return person


def enable_account(actor, person_id):
    """Let a disabled account log in again; the reason it was disabled stays in the
    audit log only (as the event's note, which the purge redacts like any other)."""
    person = _locked_person(person_id)
    if person.is_erased:
        raise AccountError(_l("This account has been erased: it cannot be enabled again."))
    if person.is_enabled:
        raise AccountError(_l("The account of %(name)s is already enabled.",
                              name=person.name))
    record(actor, "account.enabled", person, person.disabled_reason,
           disabled_at=person.disabled_at.isoformat() if person.disabled_at else None)
    person.is_enabled, person.disabled_reason, person.disabled_at = True, None, None
    return person
