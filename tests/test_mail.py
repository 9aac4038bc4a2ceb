"""The mail path: rendering, the backends (a real SMTP server, aiosmtpd, started by the
test), and the outbox written with the change (more in tests/outbox)."""

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
    from mentorship.mail import OutgoingEmail

    account = make_user("resident")
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    client = app.test_client()
    response = client.post("/reset-password", data={"email": account.email})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, account.id) is not None
        # The mail waits in the outbox for its next try (tests/outbox).
        [waiting] = db.session.scalars(db.select(OutgoingEmail)).all()
        assert (waiting.state, waiting.attempts, waiting.recipient) == (
            "pending", 1, account.email)
    assert outbox == []


# Disabled and erased people get nothing ------------------------------------------------


def _disable(app, *accounts, erased=False):
    from mentorship.accounts.models import User
    from mentorship.database import utcnow
    from mentorship.extensions import db

    with app.app_context():
        for account in accounts:
            user = db.session.get(User, account.id)
            user.is_enabled, user.disabled_reason = False, "Left"
            if erased:
                user.erased_at = utcnow()
        db.session.commit()


def _sent_to(app, account):
    from mentorship.extensions import db
    from mentorship.mail import SentEmail

    with app.app_context():
        return db.session.scalars(db.select(SentEmail.template).where(
            SentEmail.recipient_id == account.id)).all()


@pytest.mark.parametrize("erased", [False, True])
def test_a_disabled_or_erased_person_gets_no_email(app, make_user, outbox, erased):
    from mentorship.extensions import db

    gone, here = make_user("resident"), make_user("resident")
    _disable(app, gone, erased=erased)
    with app.test_request_context():
        for account in (gone, here):
            sent = send_email(account.email.upper(), "Hello", "reset_password", locale="en",
                              user=type("U", (), {"name": "Someone"})(), token="x", minutes=60)
            assert (sent is None) is (account is gone)
        db.session.commit()
    assert [m["To"] for m in outbox] == [here.email.upper()]
    assert _sent_to(app, gone) == [] and _sent_to(app, here) == ["reset_password"]


def test_a_decision_about_a_disabled_applicant_sends_nothing(app, make_user, outbox):
    from datetime import timedelta

    from mentorship.accounts.models import User
    from mentorship.dates import programme_today
    from mentorship.extensions import db
    from mentorship.volunteering import services
    from mentorship.volunteering.models import Application

    applicant, coordinator = make_user("resident"), make_user("coordinator")
    with app.app_context():
        today = programme_today()
        application = Application(user_id=applicant.id, role="mentor", open_role="mentor",
                                  motivation="Hello", start_date=today,
                                  pledge_end_date=today + timedelta(days=200))
        db.session.add(application)
        db.session.commit()
        application_id = application.id
    _disable(app, applicant)
    with app.test_request_context():
        services.decide(db.session.get(User, coordinator.id), application_id, "reject",
                        "Not this time.")
        db.session.commit()
    assert outbox == [] and _sent_to(app, applicant) == []


def test_a_reminder_to_a_disabled_person_is_not_sent(app, make_user, outbox):
    from datetime import timedelta

    from mentorship.dates import add_months, programme_today
    from mentorship.extensions import db
    from mentorship.reports import reminders
    from mentorship.reports.models import SentReminder
    from mentorship.volunteering.models import Commitment

    gone, here = make_user("resident"), make_user("resident")
    with app.app_context():
        today = programme_today()
        for account in (gone, here):
            db.session.add(Commitment(user_id=account.id, role="mentor", status="active",
                                      current_role="mentor", start_date=add_months(today, -6),
                                      end_date=today + timedelta(days=10), min_months=6))
        db.session.commit()
    _disable(app, gone)
    with app.app_context():
        assert reminders.send_due(today) == (1, 0)
        claimed = db.session.scalars(db.select(SentReminder.recipient_id)).all()
    assert claimed == [here.id]
    assert [m["To"] for m in outbox] == [here.email]
    assert _sent_to(app, gone) == []


def test_a_disabled_coordinator_hears_of_no_milestone_or_queue(app, make_user, outbox):
    """Every email to "the coordinators" (milestones, requests and hours waiting) goes to
    those who can log in, never to a disabled or erased one."""
    from datetime import datetime, time, timedelta

    from mentorship.database import utcnow
    from mentorship.dates import programme_today
    from mentorship.extensions import db
    from mentorship.hours.models import HourEntry
    from mentorship.matching.models import BuddyRequest, Match
    from mentorship.programme.services import get_settings
    from mentorship.reports import reminders
    from mentorship.volunteering.models import Commitment

    here = make_user("coordinator", email="here@example.org")
    gone = make_user("coordinator", email="gone@example.org")
    erased = make_user("coordinator", email="erased@example.org")
    volunteer, newcomer, waiting = (make_user("resident"), make_user("newcomer"),
                                    make_user("newcomer"))
    _disable(app, gone)
    _disable(app, erased, erased=True)
    with app.app_context():
        today = programme_today()
        get_settings().milestones = [1]
        commitment = Commitment(user_id=volunteer.id, role="mentor", status="active",
                                start_date=today, end_date=today + timedelta(days=300),
                                min_months=6)
        db.session.add(Match(
            request=BuddyRequest(user_id=newcomer.id, role="mentor", status="matched",
                                 needs=[], availability=[], preferred_contact="email"),
            commitment=commitment, volunteer_id=volunteer.id, newcomer_id=newcomer.id,
            status="active", activated_at=datetime.combine(today, time())))
        db.session.add(BuddyRequest(user_id=waiting.id, role="mentor", status="open",
                                    current_role="mentor", needs=[], availability=[],
                                    preferred_contact="email",
                                    created_at=utcnow() - timedelta(days=20)))
        db.session.add(HourEntry(user_id=volunteer.id, day=today, minutes=60,
                                 activity="other", created_at=utcnow() - timedelta(days=15)))
        db.session.commit()
        reminders.send_due(today)
    received = sorted((m["To"], m["Subject"]) for m in outbox
                      if m["To"].endswith(("here@example.org", "gone@example.org",
                                           "erased@example.org")))
    assert received == [
        ("here@example.org", "A milestone for the programme"),
        ("here@example.org", "A newcomer has been waiting 14 days for a buddy"),
        ("here@example.org", "Hours waiting for verification"),
    ]
    # Reminders are remembered too (the person's own data lists them).
    assert sorted(_sent_to(app, here)) == ["milestone", "reminder_hours_pending",
                                           "reminder_request_waiting"]
    assert _sent_to(app, gone) == [] and _sent_to(app, erased) == []
