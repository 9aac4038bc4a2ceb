"""The outbox: every email waits in a table until it is delivered.

``send_email`` (mail.py) writes a row with the change that caused it. ``deliver_due``
claims the rows whose time has come, hands each to the mail backend once, and marks it
sent, or schedules a retry with exponential backoff; after MAIL_MAX_ATTEMPTS tries the
mail is failed and admins see it on /admin/mail with "send again".

Two delivery processes never send the same mail: a claim marks the rows it takes
(``claimed_until``, in a transaction of its own) before anything is sent. On PostgreSQL
it selects them ``FOR UPDATE SKIP LOCKED`` (another process takes the next rows, it
does not wait); on SQLite it is one UPDATE, which holds the database's write lock (a
CLI command's transaction starts with BEGIN IMMEDIATE, database.py). A process that
dies while holding rows lets go of them when ``claimed_until`` passes
(MAIL_CLAIM_SECONDS).

``flask mail deliver`` runs once (cron); ``--forever`` keeps going (a systemd service).
Development and tests deliver right after each commit instead (mail.deliver_written).
"""

import signal
import time
from datetime import timedelta
from typing import NamedTuple

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from .accounts.models import User
from .audit.services import record
from .database import is_sqlite, locked_one, utcnow
from .errors import DomainError
from .extensions import db
from .i18n import lazy_gettext as _l
from .mail import CANCELLED, ERROR_MAX, FAILED, PENDING, SENT, OutgoingEmail, Transport

mail_cli = AppGroup("mail", help="Deliver the emails waiting in the outbox.")

BATCH = 50
# However many tries are left, a retry waits at most this long.
MAX_RETRY_DELAY = timedelta(hours=12)
DISABLED_ERROR = "The recipient's account was disabled before the email went out."


class MailError(DomainError):
    """A refused change to the outbox."""


class Delivered(NamedTuple):
    """What one delivery run did with the mails it claimed."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0

    def __add__(self, other):
        return Delivered(*(a + b for a, b in zip(self, other, strict=True)))

    @property
    def claimed(self):
        return sum(self)


def retry_delay(attempts):
    """How long to wait after the ``attempts``-th failed try: doubling each time."""
    first = current_app.config["MAIL_RETRY_SECONDS"]
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def _due(now):
    return (OutgoingEmail.state == PENDING, OutgoingEmail.next_attempt_at <= now,
            or_(OutgoingEmail.claimed_until.is_(None), OutgoingEmail.claimed_until < now))


def claim(session, limit=BATCH, ids=None):
    """Take up to ``limit`` due mails (among ``ids`` if given) for this process, counting
    the try; returns their rows (id, attempts, recipient, recipient_id, message bytes)
    and the time the claim ends, committed."""
    now = utcnow()
    until = now + timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    candidates = select(OutgoingEmail.id).where(*_due(now))
    if ids is not None:
        candidates = candidates.where(OutgoingEmail.id.in_(ids))
    candidates = candidates.order_by(OutgoingEmail.next_attempt_at, OutgoingEmail.id)
    candidates = candidates.limit(limit)
    if is_sqlite(session.get_bind()):
        # One statement: it holds the write lock from its start (the transaction's too,
        # outside a GET request), so no other process reads these rows as due meanwhile.
        taken = candidates.scalar_subquery()
    else:
        # Its own statement: PostgreSQL may run a LIMIT subquery inside an UPDATE more
        # than once, taking more rows than asked. Rows another process holds are skipped.
        taken = session.scalars(candidates.with_for_update(skip_locked=True)).all()
    rows = session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id.in_(taken), *_due(now))
        .values(claimed_until=until, attempts=OutgoingEmail.attempts + 1)
        .returning(OutgoingEmail.id, OutgoingEmail.attempts, OutgoingEmail.recipient,
                   OutgoingEmail.recipient_id, OutgoingEmail.message)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return sorted(rows, key=lambda row: row.id), until


def _finish(session, email_id, until, **values):
    # Only while the claim is still ours: a claim that expired may be another process's.
    session.execute(update(OutgoingEmail).where(
        OutgoingEmail.id == email_id, OutgoingEmail.claimed_until == until)
        .values(claimed_until=None, **values).execution_options(synchronize_session=False))
    session.commit()


def deliver_due(ids=None, limit=BATCH):
    """Deliver one batch of due mails (or those of ``ids`` that are due); returns the
    counts (``Delivered``). Each mail is marked as soon as it is handed over."""
    counts = {SENT: 0, PENDING: 0, FAILED: 0, CANCELLED: 0}
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    with Session(db.engine) as session, Transport() as transport:
        rows, until = claim(session, limit=limit, ids=ids)
        disabled = _disabled_recipients(session, {row.recipient_id for row in rows})
        for row in rows:
            if row.recipient_id in disabled:
                _finish(session, row.id, until, state=CANCELLED, last_error=DISABLED_ERROR)
                counts[CANCELLED] += 1
                continue
            try:
                transport.send(row.message, row.recipient)
            except Exception as error:  # any failure: try again later, the rest goes on
                current_app.logger.warning("Could not send email %s to %s: %r",
                                           row.id, row.recipient, error)
                state = FAILED if row.attempts >= max_attempts else PENDING
                _finish(session, row.id, until, state=state,
                        last_error=f"{type(error).__name__}: {error}"[:ERROR_MAX],
                        next_attempt_at=utcnow() + retry_delay(row.attempts))
                counts[state] += 1
                continue
            _finish(session, row.id, until, state=SENT, sent_at=utcnow(), last_error=None)
            counts[SENT] += 1
    return Delivered(counts[SENT], counts[PENDING], counts[FAILED], counts[CANCELLED])


def _disabled_recipients(session, ids):
    ids.discard(None)
    if not ids:
        return set()
    return set(session.scalars(select(User.id).where(User.id.in_(ids),
                                                     User.is_enabled.is_(False))))


def give_up_stuck(session):
    """Mails whose last try never finished (the process died) with no tries left: failed."""
    now = utcnow()
    session.execute(update(OutgoingEmail).where(
        OutgoingEmail.state == PENDING, OutgoingEmail.claimed_until < now,
        OutgoingEmail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"])
        .values(state=FAILED, claimed_until=None,
                last_error="The delivery process stopped while sending it.")
        .execution_options(synchronize_session=False))
    session.commit()


def purge_sent(session):
    """Sent and cancelled mails are kept MAIL_KEEP_SENT_DAYS, then deleted (SentEmail
    keeps the line the person's own data lists)."""
    before = utcnow() - timedelta(days=current_app.config["MAIL_KEEP_SENT_DAYS"])
    result = session.execute(delete(OutgoingEmail).where(
        OutgoingEmail.state.in_((SENT, CANCELLED)), OutgoingEmail.created_at < before)
        .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount


def deliver_all_due(ids=None):
    """Deliver batches until nothing (of ``ids``) is due now; returns the counts
    (``Delivered``). A failed try is due later, so this ends."""
    if ids is None:
        with Session(db.engine) as session:
            give_up_stuck(session)
    total = Delivered()
    while True:
        counts = deliver_due(ids=ids)
        total += counts
        if not counts.claimed:
            return total


# The admin page ----------------------------------------------------------------------


def failed_page(page, per_page):
    """Failed mails, newest first (the list never loads the messages themselves)."""
    query = select(OutgoingEmail).where(OutgoingEmail.state == FAILED).order_by(
        OutgoingEmail.created_at.desc(), OutgoingEmail.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def pending_count():
    return db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(
        OutgoingEmail.state == PENDING))


def send_again(actor, email_id):
    """Put a failed mail back in the queue, with all its tries again (audited)."""
    row = locked_one(OutgoingEmail, email_id)
    if row is None or row.state != FAILED:
        raise MailError(_l("This email is not waiting to be sent again any more."))
    row.state, row.attempts, row.next_attempt_at = PENDING, 0, utcnow()
    row.claimed_until = None
    record(actor, "mail.send_again", row, template=row.template)
    return row


# The command --------------------------------------------------------------------------


@mail_cli.command("deliver")
@click.option("--forever", is_flag=True,
              help="Keep delivering (a systemd service); stop with SIGTERM or Ctrl-C.")
def deliver_command(forever):
    """Send the emails whose time has come (once, for cron; or --forever)."""
    if not forever:
        done = deliver_all_due()
        with Session(db.engine) as session:
            purge_sent(session)
        click.echo(f"{done.sent} sent, {done.retrying} to try again, {done.failed} failed, "
                   f"{done.cancelled} cancelled.")
        return
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    pause = current_app.config["MAIL_POLL_SECONDS"]
    purged_at = None
    try:
        while not stopping:
            if purged_at is None or time.monotonic() - purged_at > 3600:
                with Session(db.engine) as session:
                    give_up_stuck(session)
                    purge_sent(session)
                purged_at = time.monotonic()
            if not deliver_due().claimed and not stopping:
                time.sleep(pause)
    except KeyboardInterrupt:
        pass
