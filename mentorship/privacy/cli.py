"""`flask privacy purge`: the scheduled clean-up of personal data.

Safe to run as often as you like (cron): each erasure is its own transaction, and a
second run finds nothing left to do.

- Erasure requests nobody confirmed within ERASURE_CONFIRM_AFTER_DAYS are carried out.
- Accounts nobody signed in to for INACTIVE_ACCOUNT_YEARS (since the last login, or since
  they were created if never) are erased, except administrators (an administrator hands
  over and removes the role first) and people still taking part: a current commitment, a
  proposed or active match, or a buddy request still open or matched.
- Each person is checked again once their rows are locked (the lists are made first):
  someone who cancelled their request, asked again, logged in or started taking part in
  the meantime is skipped, and counted as skipped.
- The free-text notes (``message``) of audit entries older than AUDIT_NOTE_YEARS are
  removed; who did what, and when, stays.
"""

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import exists, func, or_, select, update

from ..accounts.models import ADMIN, User, UserRole
from ..audit.models import AuditEvent
from ..database import conditional_update, utcnow
from ..dates import add_months
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..matching.models import CURRENT_REQUEST_STATES, PLACE_TAKING_STATES, BuddyRequest, Match
from ..volunteering.models import CURRENT_COMMITMENT_STATES, Commitment
from .erasure import ErasureError, erase
from .models import REQUESTED, ErasureRequest

NO_LONGER_WAITING = _l("The erasure request was cancelled or made again since: nothing was "
                       "erased.")
NO_LONGER_INACTIVE = _l("The account was used again or takes part again: nothing was erased.")

privacy_cli = AppGroup("privacy", help="Personal data: erasure and purge.")


def years_before(now, years):
    """The same moment ``years`` calendar years earlier (29 February → 28 February)."""
    return datetime.combine(add_months(now.date(), -12 * years), now.time())


def _overdue(now):
    """SQL conditions on ErasureRequest: waiting ERASURE_CONFIRM_AFTER_DAYS or more."""
    cutoff = now - timedelta(days=current_app.config["ERASURE_CONFIRM_AFTER_DAYS"])
    return ErasureRequest.status == REQUESTED, ErasureRequest.requested_at <= cutoff


def overdue_requests(now):
    """People whose erasure request has waited ERASURE_CONFIRM_AFTER_DAYS or more."""
    return db.session.scalars(select(ErasureRequest.user_id).where(*_overdue(now))
                              .order_by(ErasureRequest.requested_at, ErasureRequest.id)).all()


def _inactive(now):
    """SQL conditions on User: not erased, not an administrator, not taking part, and not
    signed in to for INACTIVE_ACCOUNT_YEARS."""
    cutoff = years_before(now, current_app.config["INACTIVE_ACCOUNT_YEARS"])
    taking_part = or_(
        exists().where(Commitment.user_id == User.id,
                       Commitment.status.in_(CURRENT_COMMITMENT_STATES)),
        exists().where(or_(Match.volunteer_id == User.id, Match.newcomer_id == User.id),
                       Match.status.in_(PLACE_TAKING_STATES)),
        exists().where(BuddyRequest.user_id == User.id,
                       BuddyRequest.status.in_(CURRENT_REQUEST_STATES)),
        exists().where(UserRole.user_id == User.id, UserRole.role == ADMIN))
    return (User.erased_at.is_(None),
            func.coalesce(User.last_login_at, User.created_at) <= cutoff, ~taking_part)


def inactive_accounts(now):
    """Accounts not erased, not administrators, not taking part, and not signed in to for
    INACTIVE_ACCOUNT_YEARS."""
    return db.session.scalars(select(User.id).where(*_inactive(now)).order_by(User.id)).all()


def _still(query, column, refusal):
    """A check for ``erase``: once the rows are locked, the person is still one ``query``
    finds (it chose them earlier; they may have cancelled or logged in since)."""
    def still_due(person):
        if db.session.scalar(query.where(column == person.id).limit(1)) is None:
            raise ErasureError(refusal)
    return still_due


def redact_old_audit_notes(now):
    """Remove the notes of audit entries older than AUDIT_NOTE_YEARS; returns how many."""
    cutoff = years_before(now, current_app.config["AUDIT_NOTE_YEARS"])
    return conditional_update(update(AuditEvent).where(
        AuditEvent.at < cutoff, AuditEvent.message.is_not(None)).values(message=None))


def _erase_each(user_ids, label, still_due):
    """Erase each person in their own transaction; a refusal skips that person only.
    Returns (erased, skipped)."""
    erased = skipped = 0
    for user_id in user_ids:
        try:
            erase(db.session.get(User, user_id), still_due=still_due)
            db.session.commit()
            erased += 1
        except DomainError as error:
            db.session.rollback()
            skipped += 1
            click.echo(f"  account {user_id} not erased ({label}): {error}")
    return erased, skipped


def _report(what, erased, skipped):
    click.echo(f"{what}: {erased}" + (f" (skipped: {skipped})" if skipped else ""))


@privacy_cli.command("purge")
def purge_command():
    """Carry out overdue erasure requests, erase inactive accounts, redact old audit notes."""
    now = utcnow()
    waiting = _still(select(ErasureRequest.id).where(*_overdue(now)),
                     ErasureRequest.user_id, NO_LONGER_WAITING)
    _report("Erasure requests confirmed automatically",
            *_erase_each(overdue_requests(now), "erasure request", waiting))
    inactive = _still(select(User.id).where(*_inactive(now)), User.id, NO_LONGER_INACTIVE)
    _report("Inactive accounts erased",
            *_erase_each(inactive_accounts(now), "inactive", inactive))
    redacted = redact_old_audit_notes(now)
    db.session.commit()
    click.echo(f"Audit entries whose note was removed: {redacted}")
