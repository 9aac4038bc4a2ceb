"""Two app servers behind one load balancer (README, "Two app servers behind nginx"):
two gunicorn processes on two ports, one PostgreSQL database, one Redis. The races a
single server wins by locking rows still hold when the two requests reach different
servers, the login limits count on both together, and the outbox and the reminders send
each mail once when both servers run them at the same time."""

import asyncio
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from mentorship import outbox as delivery
from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.database import utcnow
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.mail import SENT, OutgoingEmail
from mentorship.programme.models import Neighbourhood
from mentorship.recognition.models import Partner, Pass, Perk
from mentorship.reports.models import SentReminder
from mentorship.training.models import (
    ENROLLED,
    WAITLISTED,
    Enrollment,
    ModuleRole,
    TrainingModule,
    TrainingSession,
)
from mentorship.volunteering import services as volunteering
from mentorship.volunteering.models import (
    ACTIVE,
    APPROVED,
    AWAITING_TRAINING,
    Application,
    Commitment,
)
from tests.conftest import postgres_only
from tests.multiserver.conftest import ROOT, Client, person, server_env
from tests.outbox.conftest import Collector, SmtpServer
from tests.outbox.test_outbox import _fill_outbox as fill_outbox

pytestmark = postgres_only

ROUNDS = 5


def posted_at_once(*posts):
    """Send the posts, (client, path, form) each, from threads released together; the
    answers in order."""
    barrier, results = threading.Barrier(len(posts)), [None] * len(posts)

    def run(index, client, path, form):
        barrier.wait(timeout=30)
        results[index] = client.post(path, form)

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert None not in results, "a request did not finish"
    return results


def signed_in(servers, *emails, address):
    """One client per server, signed in as the matching email."""
    clients = []
    for number, (port, email) in enumerate(zip(servers, emails, strict=True)):
        client = Client(port, f"{address}.{number + 1}")
        client.log_in(email)
        clients.append(client)
    return clients


def volunteer(app, name, status=ACTIVE):
    user_id, email = person(app, "resident", name=name)
    with app.app_context():
        today = programme_today()
        db.session.add(Commitment(user_id=user_id, role="mentor", current_role="mentor",
                                  status=status, start_date=today,
                                  end_date=add_months(today, 6), min_months=6))
        db.session.commit()
    return user_id, email


def test_the_last_pass_goes_to_one_volunteer(site, servers):
    emails = [volunteer(site, f"Pass Claimer {n}")[1] for n in (1, 2)]
    clients = signed_in(servers, *emails, address="10.1.0")
    with site.app_context():
        today = programme_today()
        partner = Partner(name="Two-server museum", kind="museum")
        db.session.add(partner)
        db.session.flush()
        perks = [Perk(partner_id=partner.id, titles={"en": f"Last entry {n}"}, stock=1,
                      valid_from=today - timedelta(days=1), valid_until=today + timedelta(days=9))
                 for n in range(ROUNDS)]
        db.session.add_all(perks)
        db.session.commit()
        perk_ids = [item.id for item in perks]
    for perk_id in perk_ids:
        answers = posted_at_once(*((c, f"/perks/{perk_id}/claim", {}) for c in clients))
        assert [a.status for a in answers] == [303, 303]
        winners = [a for a in answers if a.location.startswith("/perks/passes/")]
        assert len(winners) == 1, [a.location for a in answers]
        with site.app_context():
            perk = db.session.get(Perk, perk_id)
            passes = db.session.scalar(select(func.count()).select_from(Pass).where(
                Pass.perk_id == perk_id))
            assert (perk.claimed, passes, perk.stock - perk.claimed) == (1, 1, 0)


def test_the_last_seat_goes_to_one_volunteer(site, servers):
    emails = [volunteer(site, f"Seat Taker {n}", status=AWAITING_TRAINING)[1] for n in (1, 2)]
    clients = signed_in(servers, *emails, address="10.2.0")
    with site.app_context():
        module = TrainingModule(title="Welcoming, two servers", summary="Short.",
                                content="# Hello", kind="in_person", quiz=[], quiz_source="",
                                pass_mark=80)
        module.roles = [ModuleRole(role="mentor", required=True)]
        start = utcnow().replace(microsecond=0) + timedelta(days=7)
        sessions = [TrainingSession(module=module, starts_at=start + timedelta(hours=n),
                                    ends_at=start + timedelta(hours=n + 1), place="Town hall",
                                    capacity=1) for n in range(ROUNDS)]
        db.session.add_all([module, *sessions])
        db.session.commit()
        session_ids = [item.id for item in sessions]
    for session_id in session_ids:
        answers = posted_at_once(*((c, f"/training/sessions/{session_id}/enrol", {})
                                  for c in clients))
        assert [a.status for a in answers] == [303, 303]
        with site.app_context():
            statuses = sorted(db.session.scalars(select(Enrollment.status).where(
                Enrollment.session_id == session_id)))
        assert statuses == sorted([ENROLLED, WAITLISTED])


def test_two_coordinators_deciding_one_application_make_one_decision(site, servers):
    coordinators = [person(site, "coordinator", name=f"Decider {n}")[1] for n in (1, 2)]
    clients = signed_in(servers, *coordinators, address="10.3.0")
    with site.app_context():
        today = programme_today()
        place = Neighbourhood(name="Two-server quarter")
        db.session.add(place)
        db.session.commit()
        place_id = place.id
    application_ids = []
    for number in range(ROUNDS):
        user_id, _ = person(site, "resident", name=f"Applicant {number}")
        with site.app_context():
            application = volunteering.submit_application(
                db.session.get(User, user_id), volunteering.get_role("mentor"),
                motivation="I would love to help someone settle in.",
                languages=[("fr", "native")], neighbourhood_id=place_id,
                availability=["tue-evening"], start_date=today + timedelta(days=7),
                pledge=True, today=today)
            db.session.commit()
            application_ids.append(application.id)
    approve = {"approve": "Approve", "message": ""}
    reject = {"reject": "Decline", "message": "We have enough mentors for now."}
    for number, application_id in enumerate(application_ids):
        # Approve twice, then approve against decline, in turn.
        forms = (approve, approve) if number % 2 == 0 else (approve, reject)
        path = f"/coordinate/applications/{application_id}/decide"
        answers = posted_at_once(*((c, path, f) for c, f in zip(clients, forms, strict=True)))
        accepted = [a for a in answers if a.status == 303]
        assert len(accepted) == 1, [a.status for a in answers]
        with site.app_context():
            application = db.session.get(Application, application_id)
            commitments = db.session.scalar(select(func.count()).select_from(Commitment).where(
                Commitment.application_id == application_id))
            audit = db.session.scalars(select(AuditEvent.action).where(
                AuditEvent.record_type == "Application",
                AuditEvent.record_id == application_id)).all()
        assert len(audit) == 1, audit
        assert commitments == (1 if application.status == APPROVED else 0)
        assert audit == [f"application.{'approve' if commitments else 'reject'}"]


def waiting_applications(client):
    page = client.get("/coordinate")
    assert page.status == 200, page.status
    return int(re.search(r'data-figure="applications_waiting">(\d+)<', page.text).group(1))


def test_a_decision_on_one_server_shows_at_once_on_the_others_home(site, servers):
    """The coordinator's home is kept in memory by each server (reports/cache.py): a
    decision taken on the other server is counted on the very next request, not up to a
    minute later (database.data_changes)."""
    coordinators = [person(site, "coordinator", name=f"Watcher {n}")[1] for n in (1, 2)]
    watcher, decider = signed_in(servers, *coordinators, address="10.6.0")
    with site.app_context():
        today = programme_today()
        applicant = db.session.get(User, person(site, "resident", name="Kept Applicant")[0])
        application = volunteering.submit_application(
            applicant, volunteering.get_role("mentor"),
            motivation="I would love to help someone settle in.",
            languages=[("fr", "native")], neighbourhood_id=None,
            availability=["tue-evening"], start_date=today + timedelta(days=7),
            pledge=True, today=today)
        db.session.commit()
        application_id = application.id
    before = waiting_applications(watcher)
    assert before >= 1
    assert waiting_applications(watcher) == before  # kept, and still right
    answer = decider.post(f"/coordinate/applications/{application_id}/decide",
                          {"approve": "Approve", "message": ""})
    assert answer.status == 303
    assert waiting_applications(watcher) == before - 1


def test_failed_logins_count_on_both_servers_together(site, servers):
    person(site, "resident", name="Guessed Owner")
    # One guesser, whose requests the load balancer sends to either server in turn.
    clients = [Client(port, "10.4.0.1") for port in servers]
    for client in clients:
        client.take_token("/login")
    answers = []
    for attempt in range(6):
        client = clients[attempt % 2]
        answers.append(client.post("/login", {"email": "guessed-owner@example.org",
                                              "password": "not the password"}).status)
    # LOGIN_FAILURE_LIMIT is 4: the fifth failure is refused, on whichever server; each
    # server counting alone would have allowed eight.
    assert answers == [422, 422, 422, 422, 429, 429]
    # The owner, from another address, still signs in.
    other = Client(servers[1], "10.4.0.2")
    other.log_in("guessed-owner@example.org")


# Each "server" loads the app once (the slow part: seconds), then runs its `flask`
# commands in turn, each one when the test says go, so both run it at the same moment.
COMMANDS = """
import os, sys, time
from pathlib import Path
import wsgi  # noqa: F401  (`--app wsgi` finds it loaded)
from flask.cli import cli
stages, server = Path(os.environ["STAGES"]), os.environ["SERVER"]
for number, command in enumerate(sys.argv[1:]):
    (stages / f"ready-{number}-{server}").touch()
    while not (stages / f"go-{number}").exists():
        time.sleep(0.01)
    cli.main(args=["--app", "wsgi", *command.split()], prog_name="flask",
             standalone_mode=False)
    sys.stdout.flush()
"""


class BothServers:
    """``flask`` commands as both app servers run them (their environment, their own
    instance directory), each command started on both at once."""

    def __init__(self, tmp_path, redis_url, smtp_port, *commands):
        self.stages, self.commands, self.next = tmp_path / "stages", commands, 0
        self.stages.mkdir()
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", COMMANDS, *commands], cwd=ROOT,
                env=server_env(tmp_path / f"server{n}", redis_url, MAIL_PORT=str(smtp_port),
                               STAGES=str(self.stages), SERVER=str(n)),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for n in range(2)]
        self.outputs = None

    def _wait_until_ready(self, number):
        ready = [self.stages / f"ready-{number}-{n}" for n in range(2)]
        deadline = time.monotonic() + 90
        while not all(path.exists() for path in ready):
            for process in self.processes:
                assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "a server did not get ready"
            time.sleep(0.01)

    def run_next(self):
        """Run the next command on both at once; wait until both finished it."""
        self._wait_until_ready(self.next)
        (self.stages / f"go-{self.next}").touch()
        self.next += 1
        if self.next < len(self.commands):
            self._wait_until_ready(self.next)
            return
        results = [process.communicate(timeout=120) for process in self.processes]
        for process, (_out, err) in zip(self.processes, results, strict=True):
            assert process.returncode == 0, err
        self.outputs = [out for out, _ in results]

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


class SlowCollector(Collector):
    """A mail server taking a moment per message, as real ones do: while one server
    sends a batch, the other claims, so a mail taken twice would be sent twice."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


DELIVERY_ROUNDS = 3
# More than two of the outbox's batches: each server claims several, in turn with the other.
REMINDED = delivery.BATCH * 2 + 20


def test_reminders_and_mail_go_out_once_when_both_servers_run_them(site, redis_url,
                                                                    tmp_path):
    people = [person(site, "resident", name=f"Ending Soon {n}")[0] for n in range(REMINDED)]
    with site.app_context():
        today = programme_today()
        for user_id in people:
            db.session.add(Commitment(user_id=user_id, role="mentor", current_role="mentor",
                                      status=ACTIVE, start_date=add_months(today, -6),
                                      end_date=today + timedelta(days=3), min_months=6))
        db.session.commit()
    smtp = SmtpServer()
    smtp.handler = SlowCollector()
    smtp.start()
    servers = BothServers(tmp_path, redis_url, smtp.port, "reminders send",
                          *["mail deliver"] * DELIVERY_ROUNDS)
    try:
        servers.run_next()
        with site.app_context():
            keys = db.session.scalars(select(SentReminder.key).where(
                SentReminder.key.like("commitment-ending:%"))).all()
            queued = db.session.scalars(select(OutgoingEmail.recipient).where(
                OutgoingEmail.template == "reminder_commitment_ending")).all()
            waiting = db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(
                OutgoingEmail.state != SENT))
        # One email to each person, and one key recorded for each.
        assert sorted(queued) == sorted(set(queued)) and len(queued) == REMINDED
        assert len(keys) == len(set(keys)) == REMINDED

        # Everything waiting in the outbox (the reminders, and the decisions and passes
        # of the tests above) is delivered by both servers' `flask mail deliver` at once;
        # then, a few times more, a full outbox (whether both claim at the same moment
        # depends on timing: each round is another chance to take a mail twice).
        servers.run_next()
        for _round in range(DELIVERY_ROUNDS - 1):
            fill_outbox(site, REMINDED)
            waiting += REMINDED
            servers.run_next()
        sent = [int(re.search(r"(\d+) reminder", out).group(1)) for out in servers.outputs]
        assert sum(sent) == REMINDED, servers.outputs
        delivered = sum(int(count) for out in servers.outputs
                        for count in re.findall(r"(\d+) sent,", out))
        assert delivered == waiting, servers.outputs
        assert len(smtp.received) == len(set(smtp.received)) == waiting
        with site.app_context():
            states = db.session.execute(select(OutgoingEmail.state, OutgoingEmail.attempts,
                                               func.count()).group_by(
                OutgoingEmail.state, OutgoingEmail.attempts)).all()
        assert states == [(SENT, 1, waiting)]
    finally:
        servers.stop()
        smtp.stop()
