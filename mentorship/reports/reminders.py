"""`flask reminders send`: the reminders people need before things slip.

Each reminder has a key (what, about which record, for whom). A key is recorded when
its email has gone out, so running the command again — from cron every hour, or twice
at once — never sends the same reminder twice. A failure for one recipient is logged
and the others still go out.
"""

from datetime import datetime, time, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import COORDINATOR, User, UserRole
from ..checkins.models import Checkin
from ..checkins.services import answerable_on, sweep
from ..database import add_once, utcnow
from ..dates import local_to_utc, programme_today
from ..extensions import db
from ..hours.models import PENDING, HourEntry
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_ngettext
from ..mail import queue, remember, render_message
from ..matching.models import FLAG_AFTER_DAYS, OPEN, PROPOSED, BuddyRequest, Match
from ..training.models import ENROLLED, Enrollment, TrainingSession
from ..volunteering.models import ACTIVE, ENDING_SOON_DAYS, Commitment
from .models import SentReminder
from .services import check_milestones

# Coordinators hear about a request once the board flags it (FLAG_AFTER_DAYS), and about
# hours and proposals left waiting this long.
HOURS_WAITING_DAYS = 14
PROPOSAL_WAITING_DAYS = 7

reminders_cli = AppGroup("reminders", help="Send the reminders that are due.")


def _coordinators():
    return db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == COORDINATOR, User.is_enabled.is_(True),
        User.optional_emails.is_(True)).distinct()).all()


def due_reminders(today, now):
    """Every reminder due now: (key, recipient, subject, template, context)."""
    due = []
    for commitment in db.session.scalars(select(Commitment).where(
            Commitment.status == ACTIVE, Commitment.end_date >= today,
            Commitment.end_date <= today + timedelta(days=ENDING_SOON_DAYS))):
        due.append((f"commitment-ending:{commitment.id}", commitment.user,
                    _l("Your commitment ends soon"), "reminder_commitment_ending",
                    {"commitment": commitment}))
    tomorrow_start = local_to_utc(datetime.combine(today + timedelta(days=1), time.min))
    tomorrow_end = tomorrow_start + timedelta(days=1)
    for enrollment in db.session.scalars(select(Enrollment).join(TrainingSession).where(
            Enrollment.status == ENROLLED, TrainingSession.starts_at >= tomorrow_start,
            TrainingSession.starts_at < tomorrow_end)):
        due.append((f"session-tomorrow:{enrollment.id}", enrollment.user,
                    _l("Your training is tomorrow"), "reminder_session_tomorrow",
                    {"session": enrollment.session}))
    coordinators = _coordinators()
    for request in db.session.scalars(select(BuddyRequest).where(
            BuddyRequest.status == OPEN,
            BuddyRequest.created_at <= now - timedelta(days=FLAG_AFTER_DAYS))):
        for person in coordinators:
            due.append((f"request-waiting:{request.id}:{person.id}", person,
                        lazy_ngettext("A newcomer has been waiting %(num)d day for a buddy",
                                      "A newcomer has been waiting %(num)d days for a buddy",
                                      FLAG_AFTER_DAYS),
                        "reminder_request_waiting",
                        {"buddy_request": request, "days": FLAG_AFTER_DAYS}))
    old_hours = db.session.scalars(select(HourEntry.id).where(
        HourEntry.status == PENDING,
        HourEntry.created_at <= now - timedelta(days=HOURS_WAITING_DAYS))).all()
    if old_hours:
        # One reminder per coordinator and day about the hours waiting too long.
        for person in coordinators:
            due.append((f"hours-pending:{today.isoformat()}:{person.id}", person,
                        _l("Hours waiting for verification"), "reminder_hours_pending",
                        {"count": len(old_hours), "days": HOURS_WAITING_DAYS}))
    for match in db.session.scalars(select(Match).where(
            Match.status == PROPOSED,
            Match.created_at <= now - timedelta(days=PROPOSAL_WAITING_DAYS))):
        for side, person in (("volunteer", match.volunteer), ("newcomer", match.newcomer)):
            if not match.has_answered(side):
                due.append((f"proposal-unanswered:{match.id}:{person.id}", person,
                            _l("A buddy proposal is waiting for your answer"),
                            "reminder_proposal", {"match": match,
                                                  "days": PROPOSAL_WAITING_DAYS}))
    # Each check-in that can be answered today, to its person (once: the key).
    for checkin in db.session.scalars(
            select(Checkin).join(Match, Match.id == Checkin.match_id)
            .where(answerable_on(today)).options(joinedload(Checkin.person))
            .order_by(Checkin.id)):
        due.append((f"checkin:{checkin.id}", checkin.person,
                    _l("A short check-in is waiting for you"), "reminder_checkin",
                    {"checkin": checkin}))
    return due


def send_due(today=None, now=None):
    """Sweep the check-ins (open the due ones, mark and flag the missed ones), then send
    what is due and not sent yet; returns (sent, failed) counts.

    Each reminder is its own commit: its key is claimed in a savepoint, so a second run at
    the same time skips it, and a failed delivery undoes only its own claim (it is tried
    again next run).
    """
    today, now = today or programme_today(), now or utcnow()
    # First what the check-ins need: open the due ones, mark the missed ones (and flag).
    sweep(today)
    db.session.commit()
    sent = failed = 0
    already = set(db.session.scalars(select(SentReminder.key)))
    for key, person, subject, template, context in due_reminders(today, now):
        if key in already or not person.is_enabled or not person.optional_emails:
            continue
        if not person.email:
            continue  # nobody to email: the coordinator's "to call" list shows it

        try:
            with db.session.begin_nested():
                message = render_message(person.email, subject, template,
                                         locale=person.locale, user=person, **context)
                if not add_once(SentReminder(key=key, recipient_id=person.id)):
                    continue  # another run claimed it
                remember(person, template, message)
                queue(message, template, person)  # sent by the outbox, retried there
        except Exception:  # one recipient's failure must not stop the others
            current_app.logger.exception("Reminder %s to %s failed", key, person.email)
            failed += 1
            continue
        db.session.commit()
        sent += 1
    check_milestones(today.year)
    db.session.commit()
    return sent, failed


@reminders_cli.command("send")
def send_command():
    """Send every reminder that is due (safe to run as often as you like)."""
    sent, failed = send_due()
    click.echo(f"{sent} reminder(s) sent, {failed} failed.")
