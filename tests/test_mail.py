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
    with app.test_request_context():
        send_email("someone@example.org", "Hello", "reset_password", locale="en",
                   user=type("U", (), {"name": "Someone"})(), link="http://x/y", minutes=60)
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert "someone@example.org" in capsys.readouterr().out
