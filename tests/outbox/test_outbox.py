"""The outbox against a real SMTP server: a change commits while the server is down and
its mail waits; it is delivered once when the server is back; after the last try it is
failed, shown to admins, and sent again; two delivery processes never send a mail twice."""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from mentorship import outbox as delivery
from mentorship.audit.models import AuditEvent
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.mail import (
    FAILED,
    PENDING,
    SENT,
    OutgoingEmail,
    SentEmail,
    as_wire_bytes,
    render_message,
    send_email,
)
from tests.accounts.test_registration import GOOD, register
from tests.conftest import (
    count_queries,
    csrf_token_from,
    database_url,
    page_text,
    postgres_only,
)

ROOT = Path(__file__).resolve().parents[2]
RESET_CONTEXT = {"user": type("U", (), {"name": "Someone"})(), "token": "x", "minutes": 60}


def rows(app):
    with app.app_context():
        return db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()


def make_due(app):
    """Time passes: every waiting mail's next try is now."""
    with app.app_context():
        db.session.execute(update(OutgoingEmail).where(OutgoingEmail.state == PENDING)
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def deliver(app):
    with app.app_context():
        return delivery.deliver_all_due()


def queue_reset_mail(app, to):
    with app.app_context():
        send_email(to, "Hello", "reset_password", locale="en", **RESET_CONTEXT)
        db.session.commit()


def failed_mails(app, to, count=1):
    """``count`` mails to ``to`` that used up their tries."""
    with app.app_context():
        for _ in range(count):
            send_email(to, "Hello", "reset_password", locale="en", **RESET_CONTEXT)
        db.session.flush()
        db.session.execute(update(OutgoingEmail).values(
            state=FAILED, attempts=6, last_error="SMTPServerDisconnected: gone"))
        db.session.info.pop("outbox_written", None)
        db.session.commit()
        return db.session.scalars(select(OutgoingEmail.id).order_by(OutgoingEmail.id)).all()


def test_the_change_commits_while_the_server_is_down_and_its_mail_goes_once_later(
        app, client, smtp_app, smtp_server):
    app.config["MAIL_DELIVER_AFTER_COMMIT"] = False  # as in production: the command sends
    assert register(client).status_code == 303
    [waiting] = rows(app)
    assert (waiting.state, waiting.attempts, waiting.recipient) == (
        PENDING, 0, GOOD["email"].lower())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SentEmail)) == 1

    before = utcnow()
    assert deliver(app) == delivery.Delivered(retrying=1)  # the server is down
    [waiting] = rows(app)
    assert (waiting.state, waiting.attempts) == (PENDING, 1)
    assert "Connection" in waiting.last_error
    assert waiting.next_attempt_at >= before + timedelta(seconds=300)

    smtp_server.start()
    assert deliver(app).claimed == 0  # not its time yet
    make_due(app)
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0 and "1 sent, 0 to try again, 0 failed" in result.output
    make_due(app)
    assert deliver(app).claimed == 0
    [sent] = rows(app)
    assert (sent.state, sent.attempts, sent.last_error) == (SENT, 2, None)
    assert len(smtp_server.received) == 1


def test_delivery_after_the_commit_leaves_a_failure_for_the_next_try(
        app, client, smtp_app, smtp_server):
    """Development and tests deliver right after the commit: a server that is down does
    not undo the change, and the mail waits for its retry."""
    assert register(client).status_code == 303
    [waiting] = rows(app)
    assert (waiting.state, waiting.attempts) == (PENDING, 1)
    smtp_server.start()
    assert register(app.test_client(), email="second@example.org").status_code == 303
    assert [(r.state, r.attempts) for r in rows(app)] == [(PENDING, 1), (SENT, 1)]
    assert len(smtp_server.received) == 1


def test_after_the_last_try_the_mail_is_failed_and_an_admin_sends_it_again(
        app, client, smtp_app, smtp_server, login_as):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue_reset_mail(app, "amira@example.org")  # try 1, right after the commit
    for attempts, delay in ((1, 300), (2, 600)):
        [waiting] = rows(app)
        assert (waiting.state, waiting.attempts) == (PENDING, attempts)
        wait = waiting.next_attempt_at - utcnow()
        assert timedelta(seconds=delay - 30) < wait <= timedelta(seconds=delay)
        make_due(app)
        deliver(app)
    [failed] = rows(app)
    assert (failed.state, failed.attempts) == (FAILED, 3)
    make_due(app)
    assert deliver(app).claimed == 0  # failed mail waits for an admin

    admin = login_as("admin")
    app.config["WTF_CSRF_ENABLED"] = True
    html = page_text(client.get("/admin/mail"))
    assert "amira@example.org" in html and "Send again" in html
    assert "1 email could not be delivered" in html
    url = f"/admin/mail/{failed.id}/send-again"
    assert client.post(url).status_code == 400  # no CSRF token
    smtp_server.start()
    response = client.post(url, data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 303
    [sent] = rows(app)
    assert (sent.state, sent.attempts) == (SENT, 1)
    assert len(smtp_server.received) == 1
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.record_id).where(
            AuditEvent.action == "mail.send_again", AuditEvent.actor_id == admin.id)).all() == [
            failed.id]
    # Sent already: a second click changes nothing.
    response = client.post(url, data={"csrf_token": csrf_token_from(html)},
                           follow_redirects=True)
    assert "not waiting to be sent again" in page_text(response)
    assert len(smtp_server.received) == 1 and rows(app)[0].state == SENT


def test_send_again_with_htmx_answers_the_list(app, client, login_as, outbox):
    [mail_id] = failed_mails(app, "amira@example.org")
    login_as("admin")
    response = client.post(f"/admin/mail/{mail_id}/send-again", headers={
        "HX-Request": "true", "HX-Target": "failed-mail",
        "HX-Current-URL": "http://localhost/admin/mail"})
    html = page_text(response)
    assert response.status_code == 200
    assert "<html" not in html and "0 emails could not be delivered" in html
    assert "back in the queue" in html  # the confirmation, out of band
    assert [m["To"] for m in outbox] == ["amira@example.org"]


def test_a_server_that_is_down_is_tried_once_per_batch(app, smtp_app, monkeypatch):
    from mentorship import mail

    connect, attempts = mail.smtp_connection, []
    monkeypatch.setattr(mail, "smtp_connection", lambda: attempts.append(1) or connect())
    _fill_outbox(app, 3)
    assert deliver(app) == delivery.Delivered(retrying=3)
    assert len(attempts) == 1
    assert {r.last_error for r in rows(app)} == {rows(app)[0].last_error}
    assert "Connection refused" in rows(app)[0].last_error


def test_every_mail_of_a_large_commit_is_delivered_after_it(app, outbox):
    """A message to a group writes many mails in one commit: all go, not one batch."""
    with app.app_context():
        for n in range(delivery.BATCH * 2 + 5):
            send_email(f"person{n}@example.org", "Hello", "reset_password", locale="en",
                       **RESET_CONTEXT)
        db.session.commit()
    assert len(outbox) == delivery.BATCH * 2 + 5
    assert {r.state for r in rows(app)} == {SENT}


def test_a_rolled_back_change_leaves_no_mail(app, outbox, make_user):
    person = make_user("resident")
    with app.app_context():
        send_email(person.email, "Hello", "reset_password", locale="en", **RESET_CONTEXT)
        db.session.flush()
        assert db.session.scalar(select(func.count()).select_from(OutgoingEmail)) == 1
        db.session.rollback()
        db.session.commit()
    assert rows(app) == [] and outbox == []


def test_nothing_is_sent_to_a_person_without_email(app, outbox):
    with app.app_context():
        assert send_email(None, "Hello", "reset_password", locale="en",
                          **RESET_CONTEXT) is None
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(SentEmail)) == 0
    assert rows(app) == [] and outbox == []


def test_a_mail_to_an_account_disabled_meanwhile_is_not_sent(app, make_user, outbox):
    from mentorship.accounts.models import User

    person = make_user("resident")
    app.config["MAIL_DELIVER_AFTER_COMMIT"] = False
    queue_reset_mail(app, person.email)
    with app.app_context():
        db.session.get(User, person.id).is_enabled = False
        db.session.commit()
    assert deliver(app) == delivery.Delivered(cancelled=1)
    assert rows(app)[0].state == "cancelled" and outbox == []


@pytest.mark.parametrize("role", ["coordinator", "resident"])
def test_only_admins_see_and_resend_failed_mail(app, client, login_as, role, outbox):
    [mail_id] = failed_mails(app, "amira@example.org")
    login_as(role)
    assert client.get("/admin/mail").status_code == 403
    assert client.post(f"/admin/mail/{mail_id}/send-again").status_code == 403
    assert rows(app)[0].state == FAILED and outbox == []


def test_the_admin_index_links_the_mail_page(client, login_as):
    login_as("admin")
    assert 'href="/admin/mail"' in page_text(client.get("/admin"))


def test_the_failed_list_is_paginated_with_a_fixed_number_of_queries(app, client, login_as):
    login_as("admin")
    failed_mails(app, "a@example.org", count=2)
    with count_queries(app) as few:
        assert client.get("/admin/mail").status_code == 200
    failed_mails(app, "b@example.org", count=40)
    with count_queries(app) as many:
        html = page_text(client.get("/admin/mail"))
    assert many.count == few.count
    assert "42 emails could not be delivered" in html and "Page 1 of 2" in html
    assert "message" not in " ".join(s for s in many.statements if "outgoing" in s).split(
        "FROM")[0]  # the list never loads the messages themselves


MAILS = 500


def _fill_outbox(app, count):
    with app.app_context():
        message = render_message("someone@example.org", "Hello", "reset_password",
                                 locale="en", **RESET_CONTEXT)
        now, values = utcnow(), []
        for _ in range(count):
            message.replace_header("Message-ID", make_msgid(domain="race.test"))
            values.append({"recipient": "someone@example.org", "template": "reset_password",
                           "subject": "Hello", "message": as_wire_bytes(message), "state": PENDING,
                           "attempts": 0, "next_attempt_at": now, "created_at": now})
        db.session.execute(insert(OutgoingEmail), values)
        db.session.commit()


def test_a_claim_takes_one_batch(app):
    _fill_outbox(app, delivery.BATCH + 5)
    with app.app_context(), Session(db.engine) as session:
        first, _ = delivery.claim(session)
        second, _ = delivery.claim(session)
        third, _ = delivery.claim(session)
    assert [len(first), len(second), len(third)] == [delivery.BATCH, 5, 0]


@postgres_only
def test_a_claim_skips_the_mails_another_process_holds(app):
    """PostgreSQL: while one claim's transaction is open, another takes the next rows
    (SKIP LOCKED) instead of waiting or taking the same ones."""
    _fill_outbox(app, delivery.BATCH * 2 + 5)
    with app.app_context(), Session(db.engine) as one, Session(db.engine) as other:
        held = one.scalars(select(OutgoingEmail.id).order_by(OutgoingEmail.id)
                           .limit(delivery.BATCH).with_for_update()).all()
        taken, _ = delivery.claim(other)
        assert not {row.id for row in taken} & set(held)
        assert len(taken) == delivery.BATCH
        one.rollback()


# `flask mail deliver`, started once the app is loaded and the other process is ready too
# (loading takes seconds; without this one process could finish before the other starts).
DELIVER = """
import os, sys, time
import wsgi  # noqa: F401  (the slow part: `flask --app wsgi` finds it loaded)
from flask.cli import main
open(os.environ["READY_FILE"], "w").close()
while not os.path.exists(os.environ["GO_FILE"]):
    time.sleep(0.01)
sys.argv = ["flask", "--app", "wsgi", "mail", "deliver"]
main()
"""


def test_two_delivery_processes_send_each_mail_exactly_once(app, smtp_server, tmp_path):
    _fill_outbox(app, MAILS)
    smtp_server.start()
    env = {**os.environ, "MENTORSHIP_ENV": "production", "SECRET_KEY": "k" * 64,
           "BASE_URL": "http://127.0.0.1:5000", "DATABASE_URL": database_url(tmp_path),
           "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(smtp_server.port), "MENTORSHIP_INSTANCE": str(tmp_path),
           "GO_FILE": str(tmp_path / "go")}
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    processes = [subprocess.Popen([sys.executable, "-c", DELIVER], cwd=ROOT,
                                  env={**env, "READY_FILE": str(path)},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for path in ready]
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    sent = [int(re.search(r"(\d+) sent", out).group(1)) for out, _ in outputs]
    assert sum(sent) == MAILS and min(sent) > 0, sent  # both took part
    assert len(smtp_server.received) == MAILS
    assert len(set(smtp_server.received)) == MAILS
    with app.app_context():
        states = db.session.execute(select(OutgoingEmail.state, OutgoingEmail.attempts,
                                           func.count()).group_by(
            OutgoingEmail.state, OutgoingEmail.attempts)).all()
    assert states == [(SENT, 1, MAILS)]
