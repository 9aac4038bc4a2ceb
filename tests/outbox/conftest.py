"""A real SMTP server (aiosmtpd) on a free port, that a test can stop and start again."""

import socket

import pytest
from aiosmtpd.controller import Controller


class Collector:
    """Counts what reaches the server: each message's Message-ID."""

    def __init__(self):
        self.message_ids = []

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.message_ids.append(line.split(":", 1)[1].strip())
                break
        return "250 OK"


class SmtpServer:
    def __init__(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.handler = Collector()
        self.controller = None

    @property
    def received(self):
        return self.handler.message_ids

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    """A mail server, not started (the test starts it)."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    """The app sending by SMTP to ``smtp_server``, with fast retries."""
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                      MAIL_PORT=smtp_server.port, MAIL_TIMEOUT=5)
    return app
