"""The one way the app sends email.

Every message is rendered from templates in ``templates/emails/`` in the recipient's
language, with a plain-text part (and an HTML part when the template exists), and
written to the outbox table (``OutgoingEmail``) in the same transaction as the change
that caused it: committed with it, rolled back with it. ``flask mail deliver``
(mentorship/outbox.py) sends what waits there, with retries. Development and tests
deliver right after the commit, in the same process (MAIL_DELIVER_AFTER_COMMIT).

Backends, chosen by MAIL_BACKEND: ``console`` (development: printed and written to
``instance/outbox/``), ``smtp`` (production, configured from the environment) and
``memory`` (tests read ``app.extensions["outbox"]``).
"""

import email
import email.policy
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column

from .database import utcnow
from .extensions import db

EMAIL_ENVIRON_KEY = "mentorship.rendering_email"
# Ids of the outbox rows the session's transaction wrote (delivered after its commit
# when MAIL_DELIVER_AFTER_COMMIT is on).
WRITTEN_KEY = "outbox_written"


def render_message(to, subject, template, locale=None, attachments=(), **context):
    """Build an EmailMessage from ``emails/<template>.txt`` (and ``.html`` if present)."""
    if not (has_request_context() and request.environ.get(EMAIL_ENVIRON_KEY)):
        # Links in emails start with BASE_URL, never with the Host header of the request
        # that triggered them (which anyone can set), except in development without a
        # BASE_URL (config.DevelopmentConfig.BASE_URL_FROM_REQUEST).
        base_url = current_app.config["BASE_URL"]
        if current_app.config.get("BASE_URL_FROM_REQUEST") and has_request_context():
            base_url = request.host_url.rstrip("/")
        with current_app.test_request_context(base_url=base_url,
                                              environ_base={EMAIL_ENVIRON_KEY: True}):
            return render_message(to, subject, template, locale=locale,
                                  attachments=attachments, **context)
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject_text = str(subject)
        text = render_template(f"emails/{template}.txt", **context)
        try:
            html = render_template(f"emails/{template}.html", **context)
        except TemplateNotFound:
            html = None
    message = EmailMessage()
    message["Subject"] = subject_text
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="mentorship.local")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


SUBJECT_MAX = 300
TEMPLATE_MAX = 60
ADDRESS_MAX = 254
ERROR_MAX = 500


class SentEmail(db.Model):
    """An email the programme sent to an account holder (their own data lists it)."""

    __tablename__ = "sent_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    template: Mapped[str] = mapped_column(String(TEMPLATE_MAX))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


# States of an OutgoingEmail: waiting (a first try or a retry), handed to the mail
# server, given up after MAIL_MAX_ATTEMPTS (an admin may send it again), or dropped
# because its recipient's account was disabled before it went out.
PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"


class OutgoingEmail(db.Model):
    """One rendered email in the outbox, written with the change that caused it."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (Index("ix_outgoing_emails_state_next_attempt_at", "state",
                            "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    # The account it is for, when the address is one (None: an address without one).
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(TEMPLATE_MAX))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    # The whole message as it goes on the wire (lists never need it: deferred).
    message: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A delivery process holds the row until then; a process that died lets go of it.
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def remember(recipient, template, message):
    """Keep a line about an email to an account holder (their own data lists it)."""
    db.session.add(SentEmail(recipient_id=recipient.id, template=template[:TEMPLATE_MAX],
                             subject=message["Subject"][:SUBJECT_MAX]))


def as_wire_bytes(message):
    """The message as an SMTP server takes it (CRLF line ends, as ``send_message`` sends)."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def queue(message, template, recipient=None):
    """Write a rendered message to the outbox, in the current transaction."""
    row = OutgoingEmail(recipient=str(message["To"])[:ADDRESS_MAX],
                        recipient_id=getattr(recipient, "id", None),
                        template=template[:TEMPLATE_MAX],
                        subject=str(message["Subject"])[:SUBJECT_MAX],
                        message=as_wire_bytes(message), state=PENDING, attempts=0,
                        next_attempt_at=utcnow())
    db.session.add(row)
    return row


def send_email(to, subject, template, locale=None, attachments=(), **context):
    """Render one email now and write it to the outbox with the current transaction.

    ``subject`` is a lazy string, translated for the recipient. Nothing is sent for a
    change that is rolled back, and a mail server that is down never undoes a change
    (the outbox tries again). Nothing for a person without an address (``to`` is None)
    or whose account is disabled or erased (None); a message to an account holder is
    remembered (SentEmail).
    """
    from .accounts.models import User, normalise_email

    if not to:
        return None
    recipient = db.session.scalar(select(User).where(User.email == normalise_email(to)))
    if recipient is not None and not recipient.is_enabled:
        return None
    message = render_message(to, subject, template, locale=locale, attachments=attachments,
                             **context)
    if recipient is not None:
        remember(recipient, template, message)
    queue(message, template, recipient)
    return message


def deliver(message):
    """Hand one rendered message to the configured backend now, outside the outbox
    (raises on failure). The outbox's delivery uses it through ``Transport``."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("outbox", []).append(message)
    elif backend == "smtp":
        with smtp_connection() as smtp:
            smtp.send_message(message)
    else:
        _write_outbox(message)


class Transport:
    """The backend for a batch of stored messages: one SMTP session for many of them.

    SMTP gets the stored bytes as they are; the other backends get the parsed message.
    A failure closes the session; the next message opens a new one. A server that
    cannot be reached is not tried again in the same batch.
    """

    def __init__(self):
        self.smtp = None
        self.unreachable = None

    def send(self, raw, recipient):
        if current_app.config["MAIL_BACKEND"] != "smtp":
            deliver(email.message_from_bytes(raw, policy=email.policy.default))
            return
        if self.unreachable is not None:
            # One failed connection per batch: the rest of it waits for its next try
            # instead of waiting MAIL_TIMEOUT each for a server that is not there.
            raise self.unreachable
        sender = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
        if self.smtp is None:
            try:
                self.smtp = smtp_connection()
            except Exception as error:
                self.unreachable = error
                raise
        try:
            self.smtp.sendmail(sender, [parseaddr(recipient)[1]], raw)
        except Exception:
            self.close()
            raise

    def close(self):
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def smtp_connection():
    """An open, logged-in SMTP session with the configured server."""
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except Exception:
        smtp.close()
        raise
    return smtp


def _write_outbox(message):
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{message['Message-ID'].strip('<>').split('@')[0]}.eml"
    path.write_bytes(bytes(message))
    text = message.get_body(("plain",)).get_content()
    print(f"--- email to {message['To']} ({path}) ---\n{text}")


# Delivery right after the commit (development and tests) ------------------------------


def note_written(session, _flush_context):
    """After a flush: remember the outbox rows this transaction wrote (new, or put back
    in the queue: "send again")."""
    ids = [obj.id for obj in (*session.new, *session.dirty)
           if isinstance(obj, OutgoingEmail) and obj.state == PENDING]
    if ids:
        session.info.setdefault(WRITTEN_KEY, []).extend(ids)


def deliver_written(session):
    """After a commit: with MAIL_DELIVER_AFTER_COMMIT, deliver the rows it wrote now,
    through the same delivery as ``flask mail deliver`` (a failure waits for a retry)."""
    if session.in_nested_transaction():
        return  # a savepoint released (database.unique_or): not the commit yet
    ids = session.info.pop(WRITTEN_KEY, None)
    if ids and current_app.config.get("MAIL_DELIVER_AFTER_COMMIT"):
        from .outbox import deliver_all_due

        try:
            deliver_all_due(ids=ids)
        except Exception:  # the change is saved; its mail waits in the outbox
            current_app.logger.exception("Could not deliver the outbox after a commit")


def forget_written(session, *args):
    if session.in_nested_transaction():
        return  # a savepoint undone (database.unique_or): the transaction goes on
    session.info.pop(WRITTEN_KEY, None)


def register_mail_events():
    """Deliver after each commit of the app's sessions, when configured (registered once)."""
    from flask_sqlalchemy.session import Session

    if not event.contains(Session, "after_commit", deliver_written):
        event.listen(Session, "after_flush", note_written)
        event.listen(Session, "after_commit", deliver_written)
        event.listen(Session, "after_rollback", forget_written)
