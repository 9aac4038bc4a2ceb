"""The mail path against a real SMTP server (aiosmtpd) started by the test."""

import socket

import pytest
from aiosmtpd.controller import Controller

from mentorship.mail import send_email


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, handler
    controller.stop()


def test_email_is_sent_by_smtp(app, smtp_server, make_user):
    port, handler = smtp_server
    account = make_user("resident", locale="uk")
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    client = app.test_client()
    client.post("/reset-password", data={"email": account.email})
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.rcpt_tos == [account.email]
    content = envelope.content.decode()
    assert "multipart/alternative" in content and "text/plain" in content


def test_console_backend_writes_the_outbox(app, tmp_path, capsys):
    app.config.update(MAIL_BACKEND="console", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    from mentorship.extensions import db

    with app.test_request_context():
        send_email("someone@example.org", "Hello", "reset_password", locale="en",
                   user=type("U", (), {"name": "Someone"})(), token="x", minutes=60)
        assert list((tmp_path / "outbox").glob("*.eml")) == []  # not before the commit
        db.session.commit()
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert "someone@example.org" in capsys.readouterr().out


def test_nothing_is_sent_when_the_change_is_rolled_back(app, outbox):
    from mentorship.extensions import db

    with app.test_request_context():
        send_email("someone@example.org", "Hello", "reset_password", locale="en",
                   user=type("U", (), {"name": "Someone"})(), token="x", minutes=60)
        db.session.rollback()
        db.session.commit()
    assert outbox == []


@pytest.mark.parametrize("inserted", [True, False])
def test_a_savepoint_neither_sends_nor_drops_the_queued_mail(app, outbox, inserted):
    """unique_or/add_once use savepoints: the mail waits for the real commit, and goes
    when the transaction commits even if the savepoint was undone."""
    from mentorship.audit.models import AuditEvent
    from mentorship.database import add_once
    from mentorship.extensions import db

    with app.test_request_context():
        if not inserted:
            db.session.add(AuditEvent(id=999, action="first", record_type="x"))
            db.session.flush()
        send_email("someone@example.org", "Hello", "reset_password", locale="en",
                   user=type("U", (), {"name": "Someone"})(), token="x", minutes=60)
        assert add_once(AuditEvent(id=999, action="again", record_type="x")) is inserted
        assert outbox == []  # not before the commit
        db.session.rollback()
        assert outbox == []  # nor after a rollback
        send_email("someone@example.org", "Hello", "reset_password", locale="en",
                   user=type("U", (), {"name": "Someone"})(), token="x", minutes=60)
        add_once(AuditEvent(id=998, action="third", record_type="x"))
        db.session.commit()
    assert len(outbox) == 1


def test_a_mail_server_that_is_down_does_not_undo_the_change(app, make_user, outbox):
    from mentorship.accounts.models import User
    from mentorship.extensions import db

    account = make_user("resident")
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    client = app.test_client()
    response = client.post("/reset-password", data={"email": account.email})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, account.id) is not None
