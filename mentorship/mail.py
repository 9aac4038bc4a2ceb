"""The one way the app sends email.

Every message is rendered from templates in ``templates/emails/`` in the recipient's
language, with a plain-text part (and an HTML part when the template exists).
Backends, chosen by MAIL_BACKEND: ``console`` (development: printed and written to
``instance/outbox/``), ``smtp`` (production, configured from the environment) and
``memory`` (tests read ``app.extensions["outbox"]``).
"""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from .database import utcnow


def render_message(to, subject, template, locale=None, **context):
    """Build an EmailMessage from ``emails/<template>.txt`` (and ``.html`` if present)."""
    if not has_request_context():
        # CLI commands and reminders: links are built from BASE_URL.
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return render_message(to, subject, template, locale=locale, **context)
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
    return message


def send_email(to, subject, template, locale=None, **context):
    """Render and send one email; ``subject`` is a lazy string translated for the recipient."""
    message = render_message(to, subject, template, locale=locale, **context)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("outbox", []).append(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        _write_outbox(message)
    return message


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
