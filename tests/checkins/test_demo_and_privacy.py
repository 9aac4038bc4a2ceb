"""The demo's check-ins (eighteen months of them, so the effects show real figures), and a
person's check-ins in their own copy and in their erasure, on the demo programme."""

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from mentorship.accounts.models import User, find_user_by_email
from mentorship.checkins import services
from mentorship.checkins.effects import count_effects
from mentorship.checkins.flags import flagged_matches_query
from mentorship.checkins.models import (
    ANSWERED,
    MISSED,
    OPEN,
    TEXT,
    Checkin,
    CheckinAnswer,
    CheckinQuestion,
    CheckinQuestionVersion,
)
from mentorship.dates import programme_today, utc_to_local
from mentorship.extensions import db
from mentorship.matching.models import Match, MatchFlag
from mentorship.privacy.erasure import erase
from mentorship.privacy.export import export_person
from mentorship.reports.models import PublishedReport
from tests.conftest import make_app, reset_schema

MODELS = (Checkin, CheckinAnswer, CheckinQuestion, CheckinQuestionVersion, MatchFlag, Match,
          User)


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in MODELS}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The demo, seeded twice through the command, with the counts after each time."""
    app = make_app(tmp_path_factory.mktemp("demo-checkins"), RATELIMIT_ENABLED=False)
    reset_schema(app)
    with app.app_context():
        db.create_all()
    runner, seen = app.test_cli_runner(), []
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            seen.append(counts())
    with app.app_context():
        today = programme_today()
    yield {"app": app, "counts": seen, "today": today}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_seeding_again_adds_nothing(world):
    first, second = world["counts"]
    assert first == second
    assert first["Checkin"] > 150 and first["CheckinAnswer"] > 700


def _years(today):
    """The years the demo history fills: its matches started 7 to 19 months ago, so a
    three-month check-in answered this year needs a start after about September, and
    late in a year last year's end check-ins are few (see the demo's docstring)."""
    return [year for year, filled in ((today.year - 1, today.month <= 10),
                                      (today.year, today.month >= 7)) if filled]


def test_every_question_has_five_pairs_and_most_newcomers_improve(world):
    with world["app"].app_context():
        years = _years(world["today"])
        assert years  # every month of the year has at least one
        pooled = {}
        for year in (world["today"].year - 1, world["today"].year):
            effects = count_effects(year)
            for moment, questions in effects.items():
                for key, found in questions.items():
                    if year in years:
                        assert found["pairs"] >= 5, (year, moment, key, found)
                    total = pooled.setdefault(key, dict.fromkeys(found, 0))
                    for name, number in found.items():
                        total[name] += number
    for key in ("language", "procedures", "isolation"):
        assert pooled[key]["improved"] > pooled[key]["same"] + pooled[key]["worse"], key
    assert sum(found["worse"] for found in pooled.values()) >= 5
    assert sum(found["skipped"] for found in pooled.values()) >= 5


def test_last_years_report_counts_the_check_ins(world):
    with world["app"].app_context():
        report = db.session.scalar(select(PublishedReport).where(
            PublishedReport.year == world["today"].year - 1))
        effects = report.data["effects"]["three_months"]
    assert any(isinstance(found["pairs"], int) and found["pairs"] >= 5
               for found in effects.values()), effects


def test_answers_are_dated_inside_their_check_in_and_keep_their_question(world):
    with world["app"].app_context():
        now = datetime.utcnow()  # noqa: DTZ003  (stored times are naive UTC)
        checkins = db.session.scalars(select(Checkin).options(
            db.selectinload(Checkin.answers).selectinload(CheckinAnswer.question_version),
            db.selectinload(Checkin.answers).selectinload(CheckinAnswer.question),
            db.selectinload(Checkin.match))).all()
        by_state = {}
        for checkin in checkins:
            by_state[checkin.status] = by_state.get(checkin.status, 0) + 1
            start = utc_to_local(checkin.match.activated_at).date()
            assert checkin.opens_on >= start and checkin.due_on > checkin.opens_on
            if checkin.status == ANSWERED:
                day = utc_to_local(checkin.answered_at).date()
                assert checkin.opens_on <= day <= checkin.due_on and checkin.answered_at < now
                assert checkin.answered_by_id is not None
                assert checkin.on_behalf == (checkin.answered_by_id != checkin.person_id)
                assert {a.question.audience for a in checkin.answers} == {checkin.audience}
            else:
                assert checkin.answers == [] and checkin.answered_at is None
            if checkin.status == MISSED:
                assert checkin.due_on < world["today"]
            for answer in checkin.answers:
                assert answer.question_version.question_id == answer.question_id
                assert answer.question_version.created_at <= checkin.answered_at
                if answer.skipped:
                    assert answer.value is None and answer.text is None
                elif answer.question.kind == TEXT:
                    assert answer.text and answer.value is None
                else:
                    assert answer.value is not None and answer.text is None
        skipped = db.session.scalar(select(func.count()).where(
            CheckinAnswer.skipped.is_(True), CheckinAnswer.question_id.in_(select(
                CheckinQuestion.id).where(CheckinQuestion.kind != TEXT))))
        on_behalf = db.session.scalar(select(func.count()).where(Checkin.on_behalf.is_(True)))
    assert by_state.get(MISSED, 0) >= 3 and by_state[ANSWERED] > 150
    assert skipped >= 5 and on_behalf >= 3


def test_the_current_matches_show_the_journeys(world):
    """Olena can answer her start check-in now; Tesfaye's "very hard" answer flagged his
    match (not resolved yet); Élodie's request for support was resolved, with its note."""
    with world["app"].app_context():
        olena = find_user_by_email("newcomer@example.org")
        waiting = services.open_checkins_of(olena.id)
        assert [(c.moment, c.audience) for c in waiting] == [("baseline", "newcomer")]
        assert services.refusal(waiting[0]) is None
        tesfaye = find_user_by_email("tesfaye.alemu@example.org")
        match = db.session.scalar(select(Match).where(Match.newcomer_id == tesfaye.id,
                                                      Match.status == "active"))
        flags = {(f.reason, f.resolved_at is None): f for f in match.flags}
        assert set(flags) == {("very_hard", True), ("support", False)}
        assert flags[("very_hard", True)].checkin.person_id == tesfaye.id
        assert "préfecture" in flags[("support", False)].resolution
        flagged = db.session.scalars(flagged_matches_query()).all()
        assert [m.id for m in flagged] == [match.id]  # the history's flags are resolved
        assert db.session.scalar(select(func.count()).select_from(MatchFlag).where(
            MatchFlag.resolved_at.is_not(None), MatchFlag.resolution.is_not(None))) >= 5
        assert db.session.scalar(select(func.count()).select_from(Checkin).where(
            Checkin.status == OPEN)) == 2  # Olena's and her buddy's


def test_a_demo_newcomers_answer_is_in_their_copy_and_gone_after_erasure(world):
    """Last in this module: it erases a demo person."""
    app = world["app"]
    with app.app_context():
        answer = db.session.scalar(select(CheckinAnswer).join(Checkin).join(
            User, User.id == Checkin.person_id).where(
            CheckinAnswer.text.is_not(None), User.email.like("history-newcomer%"))
            .order_by(CheckinAnswer.id).limit(1))
        answer_id, text, person_id = answer.id, answer.text, answer.checkin.person_id
        flags = db.session.scalar(select(func.count()).select_from(MatchFlag))
        with app.test_request_context():
            copy = json.dumps(export_person(db.session.get(User, person_id)),
                              ensure_ascii=False)
        assert text in copy
        erase(db.session.get(User, person_id))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(CheckinAnswer, answer_id) is None  # (other people wrote it too)
        assert db.session.scalar(select(func.count()).select_from(Checkin).where(
            Checkin.person_id == person_id)) == 0
        assert db.session.scalar(select(func.count()).select_from(MatchFlag)) == flags
