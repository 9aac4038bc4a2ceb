"""The one way the app sends email.

Every message is rendered from templates in ``templates/emails/`` in the recipient's
language, with a plain-text part (and an HTML part when the template exists).
Backends, chosen by MAIL_BACKEND: ``console`` (development: printed and written to
``instance/outbox/``), ``smtp`` (production, configured from the environment) and
``memory`` (tests read ``app.extensions["outbox"]``).
"""

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import ForeignKey, String, event, select
from sqlalchemy.orm import Mapped, mapped_column

from .database import utcnow
from .extensions import db

PENDING_KEY = "pending_emails"
EMAIL_ENVIRON_KEY = "mentorship.rendering_email"


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


class SentEmail(db.Model):
    """An email the programme sent to an account holder (their own data lists it)."""

    __tablename__ = "sent_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    template: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


def remember(recipient, template, message):
    """Keep a line about an email to an account holder (their own data lists it)."""
    db.session.add(SentEmail(recipient_id=recipient.id, template=template[:60],
                             subject=message["Subject"][:SUBJECT_MAX]))


def send_email(to, subject, template, locale=None, attachments=(), **context):
    """Render one email now and send it once the current transaction commits.

    ``subject`` is a lazy string, translated for the recipient. Nothing is sent for a
    change that is rolled back, and a mail server that is down never undoes a change
    already saved (the failure is logged). An account that is disabled or erased gets
    nothing (None); a message to an account holder is remembered (SentEmail).
    """
    from .accounts.models import User, normalise_email

    recipient = db.session.scalar(select(User).where(User.email == normalise_email(to)))
    if recipient is not None and not recipient.is_enabled:
        return None
    message = render_message(to, subject, template, locale=locale, attachments=attachments,
                             **context)
    if recipient is not None:
        remember(recipient, template, message)
    db.session.info.setdefault(PENDING_KEY, []).append(message)
    return message


def deliver(message):
    """Hand one rendered message to the configured backend (raises on failure)."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("outbox", []).append(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        _write_outbox(message)


def deliver_pending(session):
    """After a commit: send what the transaction queued; one failure does not stop the rest."""
    if session.in_nested_transaction():
        return  # a savepoint released (database.unique_or): not the commit yet
    pending = session.info.pop(PENDING_KEY, [])
    failures = []
    for message in pending:
        try:
            deliver(message)
        except Exception:  # logged and reported to the caller; the change is already saved
            current_app.logger.exception("Could not send email to %s", message["To"])
            failures.append(message)
    return failures


def discard_pending(session, *args):
    if session.in_nested_transaction():
        return  # a savepoint undone (database.unique_or): the transaction goes on
    session.info.pop(PENDING_KEY, None)


def register_mail_events():
    """Send queued emails after each commit of the app's sessions (registered once)."""
    from flask_sqlalchemy.session import Session

    if not event.contains(Session, "after_commit", deliver_pending):
        event.listen(Session, "after_commit", deliver_pending)
        event.listen(Session, "after_rollback", discard_pending)


def _send_smtp(message):
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _write_outbox(message):
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}.eml"
    path.write_bytes(bytes(message))
    text = message.get_body(("plain",)).get_content()
    print(f"--- email to {message['To']} ({path}) ---\n{text}")
