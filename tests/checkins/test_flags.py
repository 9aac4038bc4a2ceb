"""Early warning: each trigger raises one flag and one email; a coordinator resolves it."""

import pytest

from mentorship.audit.models import AuditEvent
from mentorship.checkins import flags, services
from mentorship.checkins.flags import FlagError
from mentorship.extensions import db
from mentorship.matching.models import Match, MatchFlag

from .test_services import do, flag_mails, question


def answer_and_finish(app, checkin_id, person, answers):
    with app.app_context():
        ids = {key: question(key).id for key in answers}
    for key, raw in answers.items():
        do(app, services.answer, checkin_id, person, ids[key], raw)
    do(app, services.finish, checkin_id, person)


def flags_of(app, match_id):
    with app.app_context():
        return [(f.reason, f.checkin_id) for f in db.session.scalars(
            db.select(MatchFlag).where(MatchFlag.match_id == match_id))]


@pytest.mark.parametrize("audience, answers, reason", [
    ("newcomer", {"welcome": "1"}, "very_hard"),
    ("newcomer", {"housing": "1"}, "very_hard"),
    ("volunteer", {"going": "1"}, "very_hard"),
    ("volunteer", {"support": "1"}, "support"),
])
def test_each_trigger_raises_one_flag_and_one_email_to_the_coordinator(
        app, active_match, checkin_of, outbox, audience, answers, reason):
    coordinator, newcomer, volunteer, _, match_id = active_match()
    person = newcomer if audience == "newcomer" else volunteer
    checkin_id = checkin_of(match_id, audience)
    outbox.clear()
    answer_and_finish(app, checkin_id, person, answers)
    assert flags_of(app, match_id) == [(reason, checkin_id)]
    mails = flag_mails(outbox)
    assert len(mails) == 1
    assert mails[0]["To"] == coordinator.email  # the coordinator who proposed the match
    body = mails[0].get_body(("plain",)).get_content()
    assert "/coordinate/checkins" in body and "At the start" in body


@pytest.mark.parametrize("audience, answers", [
    ("newcomer", {"welcome": "2", "language": "3", "work": "0"}),
    ("volunteer", {"going": "2", "support": "0"}),
    ("newcomer", {}),  # everything skipped
])
def test_hard_answers_no_support_and_skips_raise_nothing(
        app, active_match, checkin_of, outbox, audience, answers):
    _, newcomer, volunteer, _, match_id = active_match()
    outbox.clear()
    answer_and_finish(app, checkin_of(match_id, audience),
                      newcomer if audience == "newcomer" else volunteer, answers)
    assert flags_of(app, match_id) == []
    assert flag_mails(outbox) == []


def test_several_very_hard_answers_in_one_checkin_raise_one_flag(
        app, active_match, checkin_of, outbox):
    _, newcomer, _, _, match_id = active_match()
    outbox.clear()
    answer_and_finish(app, checkin_of(match_id), newcomer,
                      {"language": "1", "welcome": "1", "housing": "1", "isolation": "1"})
    assert [reason for reason, _ in flags_of(app, match_id)] == ["very_hard"]
    assert len(flag_mails(outbox)) == 1


def test_a_volunteer_very_hard_and_asking_support_raises_both_reasons_once(
        app, active_match, checkin_of, outbox):
    _, _, volunteer, _, match_id = active_match()
    outbox.clear()
    answer_and_finish(app, checkin_of(match_id, "volunteer"), volunteer,
                      {"going": "1", "support": "1"})
    assert sorted(reason for reason, _ in flags_of(app, match_id)) == ["support", "very_hard"]
    assert len(flag_mails(outbox)) == 2


def test_resolving_clears_the_flag_once_and_is_audited(app, active_match, checkin_of):
    coordinator, newcomer, _, _, match_id = active_match()
    answer_and_finish(app, checkin_of(match_id), newcomer, {"welcome": "1"})
    with app.app_context():
        flag_id = db.session.scalar(db.select(MatchFlag.id))
        assert [f.id for f in db.session.get(Match, match_id).open_flags] == [flag_id]
        assert flags.open_flag_count() == 1
    do(app, flags.resolve, coordinator, flag_id, "  Called the newcomer; found a GP.  ")
    with app.app_context():
        flag = db.session.get(MatchFlag, flag_id)
        assert (flag.resolved_by_id, flag.resolution) == (coordinator.id,
                                                          "Called the newcomer; found a GP.")
        assert flag.resolved_at is not None
        assert db.session.get(Match, match_id).open_flags == []
        assert flags.open_flag_count() == 0
        assert db.session.scalars(flags.flagged_matches_query()).all() == []
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "match.flag_resolved"))
        assert (event.actor_id, event.record_id) == (coordinator.id, match_id)
    with pytest.raises(FlagError, match="already resolved"):
        do(app, flags.resolve, coordinator, flag_id, "Again")
    with app.app_context():
        assert db.session.get(MatchFlag, flag_id).resolution == "Called the newcomer; found a GP."


@pytest.mark.parametrize("text", ["", "   ", None, "x" * (flags.RESOLUTION_LIMIT + 1)])
def test_an_empty_or_too_long_resolution_is_refused_with_its_field(
        app, active_match, checkin_of, text):
    coordinator, newcomer, _, _, match_id = active_match()
    answer_and_finish(app, checkin_of(match_id), newcomer, {"welcome": "1"})
    with app.app_context():
        flag_id = db.session.scalar(db.select(MatchFlag.id))
    with pytest.raises(FlagError) as refused:
        do(app, flags.resolve, coordinator, flag_id, text)
    assert refused.value.field == "resolution"
    with app.app_context():
        assert db.session.get(MatchFlag, flag_id).resolved_at is None


def test_flagged_matches_load_in_a_fixed_number_of_queries(app, active_match, checkin_of):
    from tests.conftest import count_queries

    def flag_one():
        _, newcomer, _, _, match_id = active_match()
        answer_and_finish(app, checkin_of(match_id), newcomer, {"welcome": "1"})

    def load():
        with count_queries(app) as counter, app.app_context():
            shown = [(match.volunteer.name, match.newcomer.name,
                      [(f.reason_label, f.checkin.moment) for f in match.open_flags])
                     for match in db.paginate(flags.flagged_matches_query(), page=1,
                                              per_page=25)]
        assert shown
        return counter.count

    flag_one()
    one = load()
    flag_one()
    flag_one()
    assert load() == one
