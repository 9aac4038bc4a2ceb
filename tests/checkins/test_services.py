"""Check-ins: when they open and close, answering them, and refusals that keep one answer."""

from datetime import timedelta

import pytest

from mentorship.audit.models import AuditEvent
from mentorship.checkins import services
from mentorship.checkins.models import (
    CLOSED,
    MISSED,
    OPEN,
    Checkin,
    CheckinAnswer,
    CheckinQuestion,
    CheckinQuestionVersion,
)
from mentorship.checkins.services import BASELINE_DAYS, CheckinError
from mentorship.dates import add_months, programme_today
from mentorship.errors import DomainError
from mentorship.extensions import db
from mentorship.matching import endings
from mentorship.matching import services as matching
from mentorship.matching.models import Match, MatchFlag
from mentorship.privacy.erasure import erase
from tests.conftest import Account

from .conftest import user

FLAG_SUBJECT = "A match needs your attention"


def checkins_of(app, match_id):
    """{(audience, moment): status} of every check-in of the match."""
    with app.app_context():
        return {(c.audience, c.moment): c.status for c in db.session.scalars(
            db.select(Checkin).where(Checkin.match_id == match_id))}


def get_checkin(app, checkin_id):
    with app.app_context():
        checkin = db.session.get(Checkin, checkin_id)
        db.session.expunge(checkin)
        return checkin


def start_day(app, match_id):
    with app.app_context():
        return services._start_day(db.session.get(Match, match_id))


def today_of(app):
    with app.app_context():
        return programme_today()


def question(key):
    services.ensure_questions()
    db.session.commit()
    return db.session.scalar(db.select(CheckinQuestion).where(CheckinQuestion.key == key))


def do(app, action, *args, **kwargs):
    """Run a service in its own transaction, as a request would; returns its result's id.
    Accounts among the arguments are passed as their users."""
    with app.app_context():
        args = [user(a) if isinstance(a, Account) else a for a in args]
        try:
            result = action(*args, **kwargs)
            db.session.commit()
            return getattr(result, "id", result)
        except DomainError as error:
            db.session.rollback()
            error.message = str(error.message)  # read outside the app context afterwards
            error.args = (error.message,)
            raise


def flag_mails(outbox):
    return [m for m in outbox if m["Subject"] == FLAG_SUBJECT]


# Opening -----------------------------------------------------------------------------


def test_a_started_match_opens_both_baseline_checkins_due_within_the_first_week(
        app, active_match, checkin_of):
    _, newcomer, volunteer, _, match_id = active_match()
    assert checkins_of(app, match_id) == {("newcomer", "baseline"): OPEN,
                                          ("volunteer", "baseline"): OPEN}
    start = start_day(app, match_id)
    for audience, person in (("newcomer", newcomer), ("volunteer", volunteer)):
        checkin = get_checkin(app, checkin_of(match_id, audience))
        assert checkin.person_id == person.id
        assert (checkin.opens_on, checkin.due_on) == (start, start + timedelta(days=BASELINE_DAYS))


def test_the_three_month_checkins_open_at_the_sweep_once_three_months_have_passed(
        app, active_match):
    _, _, _, _, match_id = active_match()
    three = add_months(start_day(app, match_id), 3)
    do(app, services.sweep, three - timedelta(days=1))
    assert ("newcomer", "three_months") not in checkins_of(app, match_id)
    do(app, services.sweep, three)
    states = checkins_of(app, match_id)
    assert states[("newcomer", "three_months")] == states[("volunteer", "three_months")] == OPEN


def test_a_window_that_passed_before_any_sweep_is_not_opened_as_a_miss(app, active_match):
    """A match older than the check-ins (or a sweep that did not run for weeks): the
    three-month window is over, so nobody is asked and nothing counts as missed."""
    _, _, _, _, match_id = active_match()
    with app.app_context():
        db.session.execute(db.update(Checkin).values(status="answered"))
        db.session.commit()
    late = add_months(start_day(app, match_id), 3) + timedelta(days=30)
    assert do(app, services.sweep, late) == 0
    assert ("newcomer", "three_months") not in checkins_of(app, match_id)


def test_no_three_month_checkin_for_a_match_that_is_no_longer_active(app, active_match):
    coordinator, _, _, _, match_id = active_match()
    do(app, lambda: matching.end_match(user(coordinator), match_id, "completed", "needs_met"))
    do(app, services.sweep, add_months(start_day(app, match_id), 3))
    assert ("newcomer", "three_months") not in checkins_of(app, match_id)


def _complete(coordinator, newcomer, volunteer, request_id, match_id):
    matching.end_match(user(coordinator), match_id, "completed", "needs_met")


def _end_early(coordinator, newcomer, volunteer, request_id, match_id):
    matching.end_match(user(coordinator), match_id, "ended_early", "lack_of_time")


def _close_request(coordinator, newcomer, volunteer, request_id, match_id):
    endings.close_request(user(coordinator), request_id, "moved_away")


def _newcomer_closes(coordinator, newcomer, volunteer, request_id, match_id):
    endings.close_own_request(user(newcomer), request_id, "no_longer_needed")


def volunteer_commitment(match_id):
    return db.session.get(Match, match_id).commitment_id


def _release(coordinator, newcomer, volunteer, request_id, match_id):
    matching.release_commitment(user(coordinator), volunteer_commitment(match_id), "lack_of_time")


@pytest.mark.parametrize("end", [_complete, _end_early, _close_request, _newcomer_closes,
                                 _release])
def test_every_way_a_match_ends_opens_the_end_checkins_and_closes_the_others(
        app, active_match, end):
    made = active_match()
    match_id = made[-1]
    do(app, end, *made)
    # Opened at once (the match_ended signal), before any sweep.
    assert checkins_of(app, match_id) == {
        ("newcomer", "baseline"): CLOSED, ("volunteer", "baseline"): CLOSED,
        ("newcomer", "end"): OPEN, ("volunteer", "end"): OPEN}
    do(app, services.sweep, today_of(app))
    assert len(checkins_of(app, match_id)) == 4


def test_an_erased_persons_match_gets_its_end_checkin_at_the_sweep_and_they_none(
        app, active_match):
    """Erasure ends the match without the signal; the sweep opens the volunteer's end
    check-in and never one for the erased newcomer (their check-ins are gone)."""
    coordinator, newcomer, volunteer, _, match_id = active_match()
    do(app, lambda: erase(user(newcomer), actor=user(coordinator)))
    do(app, services.sweep, today_of(app))
    states = checkins_of(app, match_id)
    assert states[("volunteer", "baseline")] == CLOSED
    assert states[("volunteer", "end")] == OPEN
    assert states.get(("newcomer", "end")) is None
    assert states.get(("newcomer", "baseline")) in (None, CLOSED)


def test_a_person_erased_after_the_end_is_not_asked_again_nor_counted_missed(
        app, active_match, outbox):
    coordinator, newcomer, volunteer, _, match_id = active_match()
    do(app, lambda: matching.end_match(user(coordinator), match_id, "completed", "needs_met"))
    do(app, lambda: erase(user(newcomer), actor=user(coordinator)))
    do(app, services.sweep, today_of(app))
    assert checkins_of(app, match_id).get(("newcomer", "end")) in (None, CLOSED)
    assert do(app, services.sweep, today_of(app) + timedelta(days=60)) == 1
    states = checkins_of(app, match_id)
    assert states.get(("newcomer", "end")) in (None, CLOSED)
    assert states[("volunteer", "end")] == MISSED


# Missing -----------------------------------------------------------------------------


def test_the_sweep_marks_late_checkins_missed_and_two_missed_raise_one_flag(
        app, active_match, outbox):
    _, _, _, _, match_id = active_match()
    due = start_day(app, match_id) + timedelta(days=BASELINE_DAYS)
    outbox.clear()
    assert do(app, services.sweep, due) == 0  # the last day it can be answered
    assert do(app, services.sweep, due + timedelta(days=1)) == 2
    assert set(checkins_of(app, match_id).values()) == {MISSED}
    with app.app_context():
        flags = db.session.scalars(db.select(MatchFlag)).all()
        assert [(f.match_id, f.reason) for f in flags] == [(match_id, "missed")]
    assert len(flag_mails(outbox)) == 1
    # Again: nothing more.
    assert do(app, services.sweep, due + timedelta(days=1)) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MatchFlag)) == 1
    assert len(flag_mails(outbox)) == 1


def test_one_missed_checkin_does_not_flag(app, active_match, checkin_of, outbox):
    _, newcomer, _, _, match_id = active_match()
    do(app, services.finish, checkin_of(match_id), newcomer)
    outbox.clear()
    assert do(app, services.sweep, start_day(app, match_id) + timedelta(days=30)) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(MatchFlag)) == 0
    assert flag_mails(outbox) == []


# Refusals ----------------------------------------------------------------------------


def test_answering_before_it_opens_late_after_the_end_or_twice_is_refused(
        app, active_match, checkin_of):
    coordinator, newcomer, _, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    checkin = get_checkin(app, checkin_id)
    with app.app_context():
        language = question("language").id
    for today, words in ((checkin.opens_on - timedelta(days=1), "opens on"),
                         (checkin.due_on + timedelta(days=1), "closed on")):
        with pytest.raises(CheckinError, match=words):
            do(app, services.answer, checkin_id, newcomer, language, "3", today=today)
        with pytest.raises(CheckinError, match=words):
            do(app, services.finish, checkin_id, newcomer, today=today)
    do(app, services.finish, checkin_id, newcomer)
    with pytest.raises(CheckinError, match="already answered"):
        do(app, services.answer, checkin_id, newcomer, language, "3")
    with pytest.raises(CheckinError, match="already answered"):
        do(app, services.finish, checkin_id, newcomer)
    volunteer_checkin = checkin_of(match_id, "volunteer")
    do(app, lambda: matching.end_match(user(coordinator), match_id, "completed", "needs_met"))
    end_checkin = checkin_of(match_id, "newcomer", "end")
    with app.app_context():
        ended = db.session.get(Checkin, volunteer_checkin)
        assert "has ended" in str(services.refusal(ended))
        assert services.refusal(db.session.get(Checkin, end_checkin)) is None
    with pytest.raises(CheckinError, match="has ended"):
        do(app, services.finish, volunteer_checkin, coordinator)


def test_someone_elses_checkin_is_not_found(app, active_match, checkin_of, make_user):
    _, newcomer, volunteer, _, match_id = active_match()
    stranger = make_user("newcomer")
    with app.app_context():
        language = question("language").id
    for actor in (stranger, volunteer):
        with pytest.raises(CheckinError, match="does not exist") as refused:
            do(app, services.answer, checkin_of(match_id), actor, language, "3")
        assert refused.value.status == 404
    with pytest.raises(CheckinError, match="does not exist"):
        do(app, services.finish, checkin_of(match_id), stranger)
    assert get_checkin(app, checkin_of(match_id)).status == OPEN


@pytest.mark.parametrize("key, raw", [("language", "6"), ("language", "0"),
                                      ("language", "very hard"), ("language", None),
                                      ("work", "3"), ("help", "x" * (services.TEXT_LIMIT + 1))])
def test_a_bad_value_is_refused_with_its_field_and_nothing_is_stored(
        app, active_match, checkin_of, key, raw):
    _, newcomer, _, _, match_id = active_match()
    with app.app_context():
        question_id = question(key).id
    with pytest.raises(CheckinError) as refused:
        do(app, services.answer, checkin_of(match_id), newcomer, question_id, raw)
    assert refused.value.field == "answer"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CheckinAnswer)) == 0


def test_a_question_of_the_other_side_is_refused(app, active_match, checkin_of):
    _, newcomer, _, _, match_id = active_match()
    with app.app_context():
        going = question("going").id
    with pytest.raises(CheckinError, match="not part of this check-in"):
        do(app, services.answer, checkin_of(match_id), newcomer, going, "3")


def test_skips_and_empty_free_text_are_stored_as_skipped_never_as_a_value(
        app, active_match, checkin_of):
    _, newcomer, _, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    with app.app_context():
        ids = {key: question(key).id for key in ("language", "welcome", "help", "work")}
    do(app, services.answer, checkin_id, newcomer, ids["language"], "4")
    do(app, services.answer, checkin_id, newcomer, ids["welcome"], "2", skip=True)
    do(app, services.answer, checkin_id, newcomer, ids["help"], "   ")
    do(app, services.answer, checkin_id, newcomer, ids["work"], "1")
    do(app, services.answer, checkin_id, newcomer, ids["work"], "2")  # changed mind
    with app.app_context():
        rows = {a.question.key: (a.value, a.text, a.skipped) for a in db.session.scalars(
            db.select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin_id))}
    assert rows == {"language": (4, None, False), "welcome": (None, None, True),
                    "help": (None, None, True), "work": (2, None, False)}


def test_finish_fills_the_rest_as_skipped_and_records_who_answered(
        app, active_match, checkin_of):
    _, newcomer, _, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    with app.app_context():
        language = question("language").id
        count = len(services.questions_for("newcomer"))
    do(app, services.answer, checkin_id, newcomer, language, "5")
    do(app, services.finish, checkin_id, newcomer)
    with app.app_context():
        checkin = db.session.get(Checkin, checkin_id)
        assert (checkin.status, checkin.answered_by_id, checkin.on_behalf) == (
            "answered", newcomer.id, False)
        assert checkin.answered_at is not None
        assert len(checkin.answers) == count
        assert [a.value for a in checkin.answers if not a.skipped] == [5]
        assert all(a.value is None for a in checkin.answers if a.skipped)
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "checkin.answered_on_behalf")) is None


def test_a_coordinator_answering_for_a_newcomer_is_recorded_as_such(
        app, active_match, checkin_of):
    coordinator, newcomer, _, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    with app.app_context():
        language = question("language").id
    do(app, services.answer, checkin_id, coordinator, language, "2")
    do(app, services.finish, checkin_id, coordinator)
    with pytest.raises(CheckinError, match="already answered"):
        do(app, services.finish, checkin_id, newcomer)
    with app.app_context():
        checkin = db.session.get(Checkin, checkin_id)
        assert (checkin.answered_by_id, checkin.on_behalf) == (coordinator.id, True)
        assert checkin.person_id == newcomer.id
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "checkin.answered_on_behalf"))
        assert (event.actor_id, event.record_id) == (coordinator.id, checkin_id)
        assert db.session.scalar(db.select(db.func.count()).select_from(CheckinAnswer).where(
            CheckinAnswer.checkin_id == checkin_id)) == len(services.questions_for("newcomer"))


def test_an_answer_keeps_the_version_it_was_given_to_after_the_wording_changes(
        app, active_match, checkin_of, make_user):
    coordinator, newcomer, volunteer, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    with app.app_context():
        language = question("language")
        language_id, first_version = language.id, language.current.id
    do(app, services.answer, checkin_id, newcomer, language_id, "3")
    with app.app_context():  # a coordinator edits the wording, as the editor does
        language = db.session.get(CheckinQuestion, language_id)
        language.versions.append(CheckinQuestionVersion(
            version=2, texts={"en": "I can talk with neighbours in the local language."},
            created_by_id=coordinator.id))
        language.version = 2
        db.session.commit()
        second_version = db.session.get(CheckinQuestion, language_id).current.id
    assert second_version != first_version
    do(app, services.finish, checkin_id, newcomer)
    with app.app_context():
        row = db.session.scalar(db.select(CheckinAnswer).where(
            CheckinAnswer.checkin_id == checkin_id, CheckinAnswer.question_id == language_id))
        assert row.question_version_id == first_version
        assert row.question_version.text("en") == \
            "I can manage everyday conversations in the local language."
    # A check-in answered after the edit gets the new wording.
    _, other, _, _, other_match = active_match()
    row_id = do(app, services.answer, checkin_of(other_match), other, language_id, "4")
    with app.app_context():
        assert db.session.get(CheckinAnswer, row_id).question_version.text("en").startswith(
            "I can talk")


def test_open_checkins_of_lists_only_what_the_person_can_answer_now(
        app, active_match, checkin_of):
    coordinator, newcomer, volunteer, _, match_id = active_match()
    own, theirs = checkin_of(match_id), checkin_of(match_id, "volunteer")
    with app.app_context():
        assert [c.id for c in services.open_checkins_of(newcomer.id)] == [own]
        assert [c.id for c in services.open_checkins_of(volunteer.id)] == [theirs]
        assert services.open_checkins_of(coordinator.id) == []
        assert services.open_checkins_of(newcomer.id, programme_today() + timedelta(days=30)) \
            == []
