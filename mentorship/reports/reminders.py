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
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import COORDINATOR, User, UserRole
from ..database import utcnow
from ..dates import local_to_utc, programme_today
from ..extensions import db
from ..hours.models import PENDING, HourEntry
from ..mail import deliver, render_message
from ..matching.models import OPEN, PROPOSED, BuddyRequest, Match
from ..training.models import ENROLLED, Enrollment, TrainingSession
from ..volunteering.models import ACTIVE, Commitment
from .models import SentReminder
from .services import check_milestones

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
            Commitment.end_date <= today + timedelta(days=30))):
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
            BuddyRequest.status == OPEN, BuddyRequest.created_at <= now - timedelta(days=14))):
        for person in coordinators:
            due.append((f"request-waiting:{request.id}:{person.id}", person,
                        _l("A newcomer has been waiting 14 days for a buddy"),
                        "reminder_request_waiting", {"buddy_request": request}))
    old_hours = db.session.scalars(select(HourEntry.id).where(
        HourEntry.status == PENDING, HourEntry.created_at <= now - timedelta(days=14))).all()
    if old_hours:
        # One reminder per coordinator and day about the hours waiting too long.
        for person in coordinators:
            due.append((f"hours-pending:{today.isoformat()}:{person.id}", person,
                        _l("Hours waiting for verification"), "reminder_hours_pending",
                        {"count": len(old_hours)}))
    for match in db.session.scalars(select(Match).where(
            Match.status == PROPOSED, Match.created_at <= now - timedelta(days=7))):
        for side, person in (("volunteer", match.volunteer), ("newcomer", match.newcomer)):
            if not match.has_answered(side):
                due.append((f"proposal-unanswered:{match.id}:{person.id}", person,
                            _l("A buddy proposal is waiting for your answer"),
                            "reminder_proposal", {"match": match}))
    return due


def send_due(today=None, now=None):
    """Send what is due and not sent yet; returns (sent, failed) counts."""
    today, now = today or programme_today(), now or utcnow()
    sent = failed = 0
    already = set(db.session.scalars(select(SentReminder.key)))
    for key, person, subject, template, context in due_reminders(today, now):
        if key in already or not person.is_enabled or not person.optional_emails:
            continue
        try:
            message = render_message(person.email, subject, template, locale=person.locale,
                                     user=person, **context)
            db.session.add(SentReminder(key=key, recipient_id=person.id))
            db.session.flush()  # claims the key: a second run at the same time stops here
            deliver(message)
            db.session.commit()
            sent += 1
        except IntegrityError:
            db.session.rollback()
        except Exception:  # one recipient's failure must not stop the others
            db.session.rollback()
            current_app.logger.exception("Reminder %s to %s failed", key, person.email)
            failed += 1
    check_milestones(today.year)
    db.session.commit()
    return sent, failed


@reminders_cli.command("send")
def send_command():
    """Send every reminder that is due (safe to run as often as you like)."""
    sent, failed = send_due()
    click.echo(f"{sent} reminder(s) sent, {failed} failed.")
