"""`flask reminders send` sweeps the check-ins, then reminds each person of an open one once."""

from datetime import timedelta

from mentorship.accounts.models import User
from mentorship.checkins import services
from mentorship.checkins.models import MISSED, Checkin
from mentorship.checkins.services import BASELINE_DAYS
from mentorship.extensions import db
from mentorship.matching import services as matching
from mentorship.matching.models import MatchFlag
from mentorship.reports import reminders
from mentorship.reports.models import SentReminder
from tests.conftest import count_queries

from .conftest import user
from .test_services import checkins_of, do, flag_mails, start_day, today_of

SUBJECT = "A short check-in is waiting for you"


def checkin_mails(outbox):
    return [m for m in outbox if m["Subject"] == SUBJECT]


def send(app, today):
    with app.app_context():
        return reminders.send_due(today)


def test_each_open_checkin_is_reminded_once_to_its_person_with_its_link(
        app, active_match, checkin_of, outbox):
    _, newcomer, volunteer, _, match_id = active_match()
    today = today_of(app)
    outbox.clear()
    assert send(app, today) == (2, 0)
    mails = checkin_mails(outbox)
    assert sorted(m["To"] for m in mails) == sorted([newcomer.email, volunteer.email])
    body = next(m for m in mails if m["To"] == newcomer.email).get_body(
        ("plain",)).get_content()
    assert f"/checkins/{checkin_of(match_id)}" in body
    assert body.startswith(f"Hello {newcomer.name},")
    with app.app_context():
        keys = set(db.session.scalars(db.select(SentReminder.key)))
    assert keys == {f"checkin:{checkin_of(match_id)}",
                    f"checkin:{checkin_of(match_id, 'volunteer')}"}
    # A second run (the next hour, the next day): nothing more.
    assert send(app, today) == (0, 0)
    assert send(app, today + timedelta(days=1)) == (0, 0)
    assert len(checkin_mails(outbox)) == 2


def test_a_person_without_an_email_address_gets_no_reminder(
        app, active_match, checkin_of, outbox):
    _, newcomer, volunteer, _, match_id = active_match()
    with app.app_context():
        db.session.get(User, newcomer.id).email = None
        db.session.commit()
    outbox.clear()
    assert send(app, today_of(app)) == (1, 0)
    assert [m["To"] for m in checkin_mails(outbox)] == [volunteer.email]


def test_answered_not_yet_open_and_closed_checkins_are_not_reminded(
        app, active_match, checkin_of, outbox):
    coordinator, newcomer, volunteer, _, match_id = active_match()
    do(app, lambda: matching.end_match(user(coordinator), match_id, "completed", "needs_met"))
    tomorrow = today_of(app) + timedelta(days=1)
    with app.app_context():  # the end check-ins open tomorrow; the start ones are closed
        db.session.execute(db.update(Checkin).where(Checkin.moment == "end").values(
            opens_on=tomorrow))
        db.session.commit()
    _, other_newcomer, other_volunteer, _, other_match = active_match()
    do(app, services.finish, checkin_of(other_match), other_newcomer)
    outbox.clear()
    assert send(app, today_of(app)) == (1, 0)
    assert [m["To"] for m in checkin_mails(outbox)] == [other_volunteer.email]


def test_the_end_checkins_of_an_ended_match_are_reminded_not_the_closed_ones(
        app, active_match, checkin_of, outbox):
    coordinator, newcomer, volunteer, _, match_id = active_match()
    do(app, lambda: matching.end_match(user(coordinator), match_id, "completed", "needs_met"))
    outbox.clear()
    assert send(app, today_of(app)) == (2, 0)
    with app.app_context():
        keys = set(db.session.scalars(db.select(SentReminder.key)))
    assert keys == {f"checkin:{checkin_of(match_id, 'newcomer', 'end')}",
                    f"checkin:{checkin_of(match_id, 'volunteer', 'end')}"}


def test_the_command_sweeps_first_missed_checkins_flag_the_match_once(
        app, active_match, outbox):
    _, _, _, _, match_id = active_match()
    late = start_day(app, match_id) + timedelta(days=BASELINE_DAYS + 1)
    outbox.clear()
    assert send(app, late) == (0, 0)  # nothing open is left to remind
    assert set(checkins_of(app, match_id).values()) == {MISSED}
    assert len(flag_mails(outbox)) == 1
    send(app, late)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MatchFlag)) == 1
    assert len(flag_mails(outbox)) == 1


def test_the_command_opens_and_reminds_the_three_month_checkins(app, active_match, outbox):
    from mentorship.dates import add_months

    _, newcomer, volunteer, _, match_id = active_match()
    send(app, today_of(app))  # the baseline reminders
    outbox.clear()
    three = add_months(start_day(app, match_id), 3)
    assert send(app, three) == (2, 0)
    assert sorted(m["To"] for m in checkin_mails(outbox)) == sorted(
        [newcomer.email, volunteer.email])


def test_due_checkin_reminders_load_in_a_fixed_number_of_queries(app, active_match):
    def count():
        with app.app_context():
            today = today_of(app)
            with count_queries(app) as counter:
                due = [(key, person.email) for key, person, *_ in
                       reminders.due_reminders(today, reminders.utcnow())]
        return counter.count, len(due)

    active_match()
    one, reminders_one = count()
    active_match()
    active_match()
    three, reminders_three = count()
    assert (reminders_one, reminders_three) == (2, 6)
    assert three == one


def test_flask_reminders_send_reminds_in_the_persons_language(app, active_match, outbox):
    _, newcomer, volunteer, _, match_id = active_match()
    with app.app_context():
        db.session.get(User, newcomer.id).locale = "uk"
        db.session.commit()
    outbox.clear()
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "2 reminder(s) sent, 0 failed." in result.output
    mail = next(m for m in outbox if m["To"] == newcomer.email)
    assert "/checkins/" in mail.get_body(("plain",)).get_content()
    assert not mail.get_body(("plain",)).get_content().startswith("Hello")
    assert app.test_cli_runner().invoke(args=["reminders", "send"]).output.startswith("0 ")
