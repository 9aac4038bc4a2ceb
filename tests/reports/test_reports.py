import socket
from datetime import datetime, time, timedelta

import pytest
from aiosmtpd.controller import Controller

from mentorship.accounts.models import User
from mentorship.database import utcnow
from mentorship.dates import add_months
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.mail import OutgoingEmail, SentEmail
from mentorship.matching.models import BuddyRequest, Match
from mentorship.reports import counting, figures, reminders, services
from mentorship.reports.models import PublishedReport, SentReminder
from mentorship.training.models import Certificate
from mentorship.volunteering.models import Commitment
from tests.conftest import count_queries, page_text


@pytest.fixture
def history(app, make_user, today):
    """A small, hand-countable year: 6 mentors and 1 language buddy with matches, hours,
    certificates. Returns the year."""
    year = today.year - 1

    def make():
        pairs = [(make_user("resident", name=f"Vol {i}"), make_user("newcomer", name=f"New {i}"))
                 for i in range(7)]
        with app.app_context():
            for index, (volunteer, newcomer) in enumerate(pairs):
                role = "mentor" if index < 6 else "language_buddy"
                start = datetime(year, 3, 1).date()
                commitment = Commitment(user_id=volunteer.id, role=role, status="completed",
                                        start_date=start, end_date=add_months(start, 6),
                                        completed_on=add_months(start, 6), min_months=6)
                request = BuddyRequest(user_id=newcomer.id, role=role, status="closed",
                                       needs=[], availability=[], preferred_contact="email",
                                       created_at=datetime(year, 3, 1))
                db.session.add(Match(request=request, commitment=commitment,
                                     volunteer_id=volunteer.id, newcomer_id=newcomer.id,
                                     status="completed", activated_at=datetime(year, 3, 11),
                                     ended_at=datetime(year, 9, 1)))
                db.session.add(HourEntry(user_id=volunteer.id, day=datetime(year, 4, 2).date(),
                                         minutes=120, activity="meeting", status="approved"))
                db.session.add(HourEntry(user_id=volunteer.id, day=datetime(year, 4, 3).date(),
                                         minutes=60, activity="meeting", status="pending"))
                db.session.add(Certificate(user_id=volunteer.id, role=role, holder_name="x",
                                           programme_name="p", modules=[],
                                           issued_on=datetime(year, 2, 20).date()))
            db.session.commit()
        return year

    return make


def test_year_figures_against_hand_counts(app, history):
    year = history()
    with app.app_context():
        raw = counting.count_year(year)
    assert raw["totals"] == {"volunteers": 7, "accompanying": 7, "newcomers": 7, "hours": 14,
                             "certificates": 7, "matches_completed": 7, "perks_redeemed": 0}
    assert raw["volunteers_by_role"] == {"mentor": 6, "language_buddy": 1,
                                         "housing_helper": 0}
    april = next(m for m in raw["months"] if m["month"] == f"{year}-04")
    march = next(m for m in raw["months"] if m["month"] == f"{year}-03")
    assert april["hours"] == 14 and march["matches_started"] == 7


def test_small_counts_are_suppressed_and_no_name_is_shown(app, client, history):
    year = history()
    html = page_text(client.get(f"/impact?year={year}"))
    assert 'data-role="language_buddy">fewer than 5<' in html
    # 7 volunteers, 0 housing helpers: the 6 mentors would give the 1 away.
    assert 'data-role="mentor">hidden<' in html and 'data-metric="volunteers">7<' in html
    assert "Vol 0" not in html and "New 0" not in html


def test_charts_are_accessible_svg_with_a_table(client, history):
    year = history()
    html = page_text(client.get(f"/impact?year={year}"))
    assert '<svg viewBox' in html and 'role="img"' in html and "<title id=" in html
    assert "<desc id=" in html and "Month by month" in html and "<script>" not in html


def test_dashboard_figures_and_fixed_queries(app, client, login_as, make_user, today):
    login_as("coordinator")
    with count_queries(app) as before:
        assert client.get("/coordinate").status_code == 200
    volunteers = [make_user("resident") for _ in range(5)]
    with app.app_context():
        for volunteer in volunteers:
            db.session.add(Commitment(user_id=volunteer.id, role="mentor", status="active",
                                      current_role="mentor", start_date=today,
                                      end_date=today + timedelta(days=20), min_months=6))
            db.session.add(HourEntry(user_id=volunteer.id, day=today, minutes=90,
                                     activity="other", status="approved"))
            db.session.add(HourEntry(user_id=volunteer.id, day=today, minutes=30,
                                     activity="other", status="pending"))
        db.session.commit()
        figures = services.dashboard(today)
    assert figures["per_role"]["mentor"] == 5 and figures["ending_soon"] == 5
    assert figures["hours_waiting"] == 5  # the coordinators' biggest queue is on it
    assert figures["hours_this_month"] == 7  # 450 minutes
    with count_queries(app) as after:
        html = page_text(client.get("/coordinate"))
    assert after.count == before.count
    assert 'data-figure="ending_soon">5<' in html
    assert 'data-figure="hours_waiting">5<' in html and 'href="/coordinate/hours"' in html


def test_publishing_freezes_the_numbers(app, client, history, make_user):
    year = history()
    admin = make_user("coordinator")
    with app.app_context():
        first = services.publish(db.session.get(User, admin.id), year)
        db.session.commit()
        frozen = dict(first.data["totals"])
        db.session.add(HourEntry(user_id=admin.id, day=datetime(year, 5, 1).date(),
                                 minutes=600, activity="other", status="approved"))
        db.session.commit()
        assert db.session.get(PublishedReport, first.id).data["totals"] == frozen
        assert figures.published(year)["totals"]["hours"] == frozen["hours"] + 10
        with pytest.raises(services.ReportError):
            services.publish(db.session.get(User, admin.id), year)
        second = services.publish(db.session.get(User, admin.id), year, "Late hours added")
        db.session.commit()
        assert second.version == 2
    html = page_text(client.get(f"/impact/reports/{year}?version=1"))
    assert f'data-metric="hours">{frozen["hours"]}<' in html
    assert "Late hours added" in page_text(client.get(f"/impact/reports/{year}"))
    csv_text = client.get(f"/impact/reports/{year}.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == ("year,month,approved_hours,matches_started,"
                                        "matches_completed,certificates_issued,"
                                        "perks_redeemed,note")


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("broken"):
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(app):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield handler
    controller.stop()


def _ending(app, account, today):
    with app.app_context():
        db.session.add(Commitment(user_id=account.id, role="mentor", status="active",
                                  current_role="mentor", start_date=add_months(today, -6),
                                  end_date=today + timedelta(days=10), min_months=6))
        db.session.commit()


def test_reminders_are_sent_once_in_the_recipients_language(app, make_user, today, smtp):
    french = make_user("resident", locale="fr", email="fr@example.org")
    _ending(app, french, today)
    with app.app_context():
        assert reminders.send_due(today) == (1, 0)
        assert reminders.send_due(today) == (0, 0)
        assert db.session.scalar(db.select(db.func.count()).select_from(SentReminder)) == 1
        # The person's own data lists the reminder among the emails sent to them.
        assert db.session.scalars(db.select(SentEmail.template).where(
            SentEmail.recipient_id == french.id)).all() == ["reminder_commitment_ending"]
    assert len(smtp.envelopes) == 1
    content = smtp.envelopes[0].content.decode()
    assert "Bonjour" in content and "text/plain" in content


def test_one_failing_recipient_does_not_stop_the_others(app, make_user, today, smtp):
    broken = make_user("resident", email="broken@example.org")
    fine = make_user("resident", email="fine@example.org")
    _ending(app, broken, today)
    _ending(app, fine, today)
    with app.app_context():
        # Both are written to the outbox; the mail server's refusal leaves one waiting
        # there for its next try, and the reminder is not written a second time.
        assert reminders.send_due(today) == (2, 0)
        assert reminders.send_due(today) == (0, 0)
        waiting = db.session.scalars(db.select(OutgoingEmail)).all()
        assert {(m.recipient, m.state) for m in waiting} == {
            ("broken@example.org", "pending"), ("fine@example.org", "sent")}
    assert [e.rcpt_tos for e in smtp.envelopes] == [["fine@example.org"]]


def test_a_reminder_key_already_claimed_is_not_sent_twice(app, make_user, today, outbox,
                                                         monkeypatch):
    # The same reminder due twice in one run stands for a second run sending it meanwhile:
    # the key claimed in the database stops it, not the list read at the start.
    _ending(app, make_user("resident"), today)
    due = reminders.due_reminders
    monkeypatch.setattr(reminders, "due_reminders", lambda *args: due(*args) * 2)
    with app.app_context():
        assert reminders.send_due(today) == (1, 0)
        assert db.session.scalar(db.select(db.func.count()).select_from(SentReminder)) == 1
    assert len(outbox) == 1


def test_optional_emails_can_be_turned_off(app, make_user, today, outbox):
    quiet = make_user("resident")
    _ending(app, quiet, today)
    with app.app_context():
        db.session.get(User, quiet.id).optional_emails = False
        db.session.commit()
        app.config["MAIL_BACKEND"] = "memory"
        assert reminders.send_due(today) == (0, 0)


def test_each_kind_of_reminder(app, make_user, today, outbox):
    from mentorship.dates import local_to_utc
    from mentorship.training.models import Enrollment, TrainingModule, TrainingSession

    coordinator = make_user("coordinator")
    volunteer, newcomer = make_user("resident"), make_user("newcomer")
    with app.app_context():
        now = datetime.utcnow()
        module = TrainingModule(title="Safeguarding")
        tomorrow = local_to_utc(datetime.combine(today + timedelta(days=1), time(18)))
        session = TrainingSession(module=module, starts_at=tomorrow,
                                  ends_at=tomorrow + timedelta(hours=2), place="Hall")
        db.session.add(Enrollment(session=session, user_id=volunteer.id, status="enrolled"))
        old_request = BuddyRequest(user_id=newcomer.id, role="mentor", status="open",
                                   current_role="mentor", needs=[], availability=[],
                                   preferred_contact="email",
                                   created_at=now - timedelta(days=20))
        commitment = Commitment(user_id=volunteer.id, role="language_buddy", status="active",
                                start_date=today, end_date=today + timedelta(days=300),
                                min_months=6)
        other = BuddyRequest(user_id=newcomer.id, role="language_buddy", status="open",
                             needs=[], availability=[], preferred_contact="email")
        db.session.add_all([old_request, Match(request=other, commitment=commitment,
                                               volunteer_id=volunteer.id,
                                               newcomer_id=newcomer.id, status="proposed",
                                               created_at=now - timedelta(days=8))])
        db.session.add(HourEntry(user_id=volunteer.id, day=today, minutes=60, activity="other",
                                 created_at=now - timedelta(days=15)))
        db.session.commit()
        sent, failed = reminders.send_due(today)
    subjects = sorted((m["To"], m["Subject"]) for m in outbox)
    assert (volunteer.email, "Your training is tomorrow") in subjects
    assert (coordinator.email, "A newcomer has been waiting 14 days for a buddy") in subjects
    assert (coordinator.email, "Hours waiting for verification") in subjects
    assert (volunteer.email, "A buddy proposal is waiting for your answer") in subjects
    assert (newcomer.email, "A buddy proposal is waiting for your answer") in subjects
    assert (sent, failed) == (5, 0)


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_report_pages_are_for_coordinators(client, login_as, role, today):
    login_as(role)
    assert client.get("/coordinate/reports").status_code == 403
    assert client.post("/coordinate/reports").status_code == 403
    assert client.get(f"/coordinate/reports/{today.year}.csv").status_code == 403


def test_public_page_needs_no_login_and_works_in_every_language(client):
    for language in ("en", "fr", "ar", "uk"):
        response = client.get("/impact", headers={"Accept-Language": language})
        assert response.status_code == 200
        assert f'lang="{language}"' in page_text(response)


def test_coordinator_publishes_from_the_page(app, client, login_as, history):
    year = history()
    login_as("coordinator")
    assert client.post(f"/coordinate/reports?year={year}").status_code == 303
    response = client.post(f"/coordinate/reports?year={year}", data={"note": ""})
    assert response.status_code == 200 and "needs a note" in page_text(response)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PublishedReport)) == 1
    assert client.get(f"/impact/reports/{year}").status_code == 200


def test_a_year_out_of_range_is_not_counted(client, login_as, today):
    login_as("coordinator")
    assert client.get("/coordinate/reports/0.csv").status_code == 404
    response = client.get("/coordinate/reports?year=99999")
    assert response.status_code == 200
    assert f"Annual report {today.year - 1}" in page_text(response)
    csv_response = client.get(f"/coordinate/reports/{today.year}.csv")
    assert csv_response.headers["Content-Disposition"] == (
        f'attachment; filename="figures-{today.year}.csv"')


def test_a_queue_waiting_over_a_week_is_marked_urgent(app, client, login_as, make_user, today):
    login_as("coordinator")
    volunteer = make_user("resident")
    with app.app_context():
        entry = HourEntry(user_id=volunteer.id, day=today, minutes=30, activity="other",
                          status="pending")
        db.session.add(entry)
        db.session.commit()
    html = page_text(client.get("/coordinate"))
    assert 'data-figure="hours_waiting">1<' in html and "badge-urgent" not in html
    with app.app_context():
        db.session.execute(db.update(HourEntry).values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    html = page_text(client.get("/coordinate"))
    start = html.index('href="/coordinate/hours"') - 200
    card = html[start:html.index('data-figure="hours_waiting"')]
    assert 'class="card urgent"' in card and "Urgent" in card
