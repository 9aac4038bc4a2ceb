"""Check-ins: when they open, the questions, answering them (or for someone).

Each active match gets a check-in for the newcomer and one for the volunteer at three
moments: the start (answered within the first week), after three months and at the
end (each answered within ANSWER_DAYS). They open when the match starts or ends
(signals from matching) and otherwise when ``sweep`` runs (the reminders command): it
opens the three-month ones, marks the ones left unanswered as missed and closes those
of a match that ended. What an answer flags is checkins/flags.py.
"""

from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..audit.services import record
from ..database import add_once, conditional_update, locked_one, utcnow
from ..dates import add_months, local_to_utc, programme_today, utc_to_local
from ..errors import DomainError
from ..extensions import db
from ..formatting import format_day
from ..hours.models import REJECTED, HourEntry
from ..i18n import lazy_gettext as _l
from ..matching.models import ACTIVE as MATCH_ACTIVE
from ..matching.models import MATCH_OUTCOMES, Match
from ..permissions import can_answer_checkin
from ..signals import match_ended, match_started
from . import flags
from .models import (
    ANSWERED,
    BASELINE,
    CLOSED,
    END,
    MISSED,
    NEWCOMER,
    OPEN,
    SCALE,
    SCALE_STEPS,
    TEXT,
    THREE_MONTHS,
    VOLUNTEER,
    WORK,
    WORK_STEPS,
    YESNO,
    YESNO_STEPS,
    Checkin,
    CheckinAnswer,
    CheckinQuestion,
    CheckinQuestionVersion,
)

BASELINE_DAYS = 7   # the start check-in: within the first week of the match
ANSWER_DAYS = 14    # the three-month and end check-ins stay open this long
# The sweep opens end check-ins for matches that ended this recently (older ones ended
# before check-ins existed, or were already swept).
END_LOOKBACK_DAYS = 30
TEXT_LIMIT = 1000

# The questions every programme starts with (coordinators edit their wording later):
# (key, audience, kind, English wording, translated through the catalogues).
DEFAULT_QUESTIONS = (
    ("language", NEWCOMER, SCALE,
     _l("I can manage everyday conversations in the local language.")),
    ("procedures", NEWCOMER, SCALE,
     _l("I know where to get help with administrative procedures (residence, health care, "
        "diplomas).")),
    ("isolation", NEWCOMER, SCALE, _l("I know people here I can ask for help.")),
    ("welcome", NEWCOMER, SCALE, _l("I feel welcome in this city.")),
    ("housing", NEWCOMER, SCALE, _l("My housing situation is stable.")),
    ("work", NEWCOMER, WORK, _l("I am in work, training or a course.")),
    ("help", NEWCOMER, TEXT, _l("What would help you most now? (You may leave this empty.)")),
    ("going", VOLUNTEER, SCALE, _l("How is the match going?")),
    ("support", VOLUNTEER, YESNO, _l("Would you like support from the programme team?")),
    ("note", VOLUNTEER, TEXT,
     _l("Anything the programme team should know? (You may leave this empty.)")),
)
# The questions whose answers are compared over time (checkins/effects.py).
EFFECT_KEYS = ("language", "procedures", "isolation", "welcome", "housing", "work")
STEPS = {SCALE: SCALE_STEPS, WORK: WORK_STEPS, YESNO: YESNO_STEPS}


class CheckinError(DomainError):
    """A refused answer."""


# Questions ---------------------------------------------------------------------------


def ensure_questions(actor=None):
    """Create the default questions that do not exist yet, worded in every language."""
    known = set(db.session.scalars(select(CheckinQuestion.key)))
    for position, (key, audience, kind, wording) in enumerate(DEFAULT_QUESTIONS):
        if key in known:
            continue
        texts = {}
        for locale in current_app.config["LANGUAGES"]:
            with force_locale(locale):
                texts[locale] = str(wording)
        question = CheckinQuestion(key=key, audience=audience, kind=kind, position=position,
                                   versions=[CheckinQuestionVersion(
                                       version=1, texts=texts,
                                       created_by_id=getattr(actor, "id", None))])
        add_once(question)


def questions_for(audience):
    """The active questions of a check-in for ``audience``, in order, with their wording."""
    ensure_questions()
    return db.session.scalars(
        select(CheckinQuestion).where(CheckinQuestion.audience == audience,
                                      CheckinQuestion.is_active.is_(True))
        .options(selectinload(CheckinQuestion.versions))
        .order_by(CheckinQuestion.position, CheckinQuestion.id)).all()


# Opening and closing -----------------------------------------------------------------


def _start_day(match):
    return utc_to_local(match.activated_at).date()


def _open(match, moment, opens_on, due_on, today):
    """The newcomer's and the volunteer's check-ins for one moment (once each).

    A window that has already passed is not opened: nobody was ever asked, so it would
    only count as a miss (a match older than the check-ins, a sweep that did not run).
    Nor is one opened for a person whose account was erased."""
    if due_on < today:
        return
    for audience, person in ((NEWCOMER, match.newcomer), (VOLUNTEER, match.volunteer)):
        if person is None or person.is_erased:
            continue
        add_once(Checkin(match_id=match.id, person_id=person.id, audience=audience,
                         moment=moment, opens_on=opens_on, due_on=due_on))


def schedule(match, today=None):
    """Open every check-in of ``match`` that is due by ``today`` (safe to repeat)."""
    today = today or programme_today()
    if match.activated_at is None:
        return
    start = _start_day(match)
    _open(match, BASELINE, start, start + timedelta(days=BASELINE_DAYS), today)
    three = add_months(start, 3)
    if match.status == MATCH_ACTIVE and three <= today:
        _open(match, THREE_MONTHS, three, three + timedelta(days=ANSWER_DAYS), today)
    if match.status in MATCH_OUTCOMES and match.ended_at is not None:
        ended = utc_to_local(match.ended_at).date()
        _open(match, END, ended, ended + timedelta(days=ANSWER_DAYS), today)
        # The start and three-month check-ins of an ended match can no longer be answered.
        conditional_update(update(Checkin).where(
            Checkin.match_id == match.id, Checkin.moment != END, Checkin.status == OPEN)
            .values(status=CLOSED))


@match_started.connect
def _on_match_started(match, **_):
    schedule(match)


@match_ended.connect
def _on_match_ended(match, **_):
    db.session.flush()
    schedule(match)


def sweep(today=None):
    """Open what is due, mark what was left unanswered as missed, flag the matches with
    missed check-ins. Returns the number of check-ins marked missed."""
    today = today or programme_today()
    since = local_to_utc(datetime.combine(today - timedelta(days=END_LOOKBACK_DAYS), time.min))
    matches = db.session.scalars(select(Match).where(
        (Match.status == MATCH_ACTIVE)
        | (Match.status.in_(MATCH_OUTCOMES) & (Match.ended_at >= since)))
        .options(selectinload(Match.newcomer), selectinload(Match.volunteer))
        .order_by(Match.id)).all()
    for match in matches:
        schedule(match, today)
    # An erased person is asked nothing more (their match ended with the erasure).
    conditional_update(update(Checkin).where(
        Checkin.status == OPEN,
        Checkin.person_id.in_(select(User.id).where(User.erased_at.is_not(None))))
        .values(status=CLOSED))
    late = db.session.scalars(select(Checkin).where(
        Checkin.status == OPEN, Checkin.due_on < today).order_by(Checkin.due_on, Checkin.id)
        .options(selectinload(Checkin.match))).all()
    missed = 0
    for checkin in late:
        ended = checkin.moment != END and checkin.match.status != MATCH_ACTIVE
        # Only while still open: a sweep running at the same time may have got there first
        # (it then also did the flagging), so each check-in is marked and counted once.
        if not conditional_update(update(Checkin).where(
                Checkin.id == checkin.id, Checkin.status == OPEN)
                .values(status=CLOSED if ended else MISSED)):
            continue
        db.session.refresh(checkin)
        if ended:
            continue
        missed += 1
        flags.on_missed(checkin)
    db.session.flush()
    return missed


# Answering ---------------------------------------------------------------------------


def refusal(checkin, today=None):
    """Why ``checkin`` cannot be answered now (a sentence), or None when it can."""
    today = today or programme_today()
    if checkin.status == ANSWERED:
        when = utc_to_local(checkin.answered_at).date()
        return _l("This check-in was already answered (on %(day)s). Thank you: nothing "
                  "more to do.", day=format_day(when))
    if checkin.status == CLOSED or (checkin.moment != END
                                    and checkin.match.status != MATCH_ACTIVE):
        return _l("This match has ended, so this check-in is closed.")
    if checkin.status == MISSED or checkin.due_on < today:
        return _l("This check-in closed on %(day)s. The next one will come by itself.",
                  day=format_day(checkin.due_on))
    if checkin.opens_on > today:
        return _l("This check-in opens on %(day)s.", day=format_day(checkin.opens_on))
    return None


def _answerable(checkin_id, actor, today):
    """The check-in, locked, if ``actor`` may answer it now; a refusal otherwise (someone
    else's check-in is "not found", never shown because its id was posted)."""
    checkin = locked_one(Checkin, checkin_id)
    if checkin is None or not can_answer_checkin(actor, checkin):
        raise CheckinError(_l("This check-in does not exist."), status=404)
    reason = refusal(checkin, today)
    if reason is not None:
        raise CheckinError(reason)
    return checkin


def parse_value(question, raw):
    """The stored value of an answer typed as ``raw`` (a form field), or a refusal."""
    if question.kind == TEXT:
        text = (raw or "").strip()
        if len(text) > TEXT_LIMIT:
            raise CheckinError(_l("Please keep this under %(num)d characters.",
                                  num=TEXT_LIMIT), "answer")
        return None, text or None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if value not in STEPS[question.kind]:
        raise CheckinError(_l("Please choose one answer, or skip this question."), "answer")
    return value, None


def answer(checkin_id, actor, question_id, raw=None, skip=False, today=None):
    """Keep one answer (or a skip) of an open check-in; answering again replaces it."""
    today = today or programme_today()
    checkin = _answerable(checkin_id, actor, today)
    question = db.session.get(CheckinQuestion, question_id)
    if question is None or question.audience != checkin.audience or not question.is_active:
        raise CheckinError(_l("This question is not part of this check-in."))
    value, text = (None, None) if skip else parse_value(question, raw)
    if question.kind == TEXT and text is None:
        skip = True  # an empty free text is a skipped question, never an empty value
    version_id = question.current.id  # the wording it was given to, kept with it
    row = db.session.scalar(select(CheckinAnswer).where(
        CheckinAnswer.checkin_id == checkin.id, CheckinAnswer.question_id == question.id))
    if row is None:
        row = CheckinAnswer(checkin_id=checkin.id, question_id=question.id)
        db.session.add(row)
    row.question_version_id = version_id
    row.value, row.text, row.skipped = value, text, skip
    return row


def finish(checkin_id, actor, today=None):
    """Send the check-in: unanswered questions count as skipped, what it flags is raised.
    A second send (a double click, another tab) is refused; the first answers are kept."""
    today = today or programme_today()
    checkin = _answerable(checkin_id, actor, today)
    on_behalf = actor.id != checkin.person_id
    done = conditional_update(update(Checkin).where(
        Checkin.id == checkin.id, Checkin.status == OPEN).values(
        status=ANSWERED, answered_at=utcnow(), answered_by_id=actor.id, on_behalf=on_behalf))
    if not done:
        raise CheckinError(_l("This check-in was already answered. Thank you: nothing more "
                              "to do."))
    db.session.refresh(checkin)
    given = {row.question_id for row in checkin.answers}
    for question in questions_for(checkin.audience):
        if question.id not in given:
            db.session.add(CheckinAnswer(checkin_id=checkin.id, question_id=question.id,
                                         question_version_id=question.current.id,
                                         skipped=True))
    db.session.flush()
    db.session.refresh(checkin)
    if on_behalf:
        record(actor, "checkin.answered_on_behalf", checkin, person=checkin.person_id)
    flags.on_answered(checkin)
    return checkin


# What people see ---------------------------------------------------------------------


def answerable_on(today):
    """SQL: a check-in that can be answered on ``today`` (the query joins its Match); the
    same rule as ``refusal``, for lists and reminders."""
    return ((Checkin.status == OPEN) & (Checkin.opens_on <= today) & (Checkin.due_on >= today)
            & ((Checkin.moment == END) | (Match.status == MATCH_ACTIVE)))


def open_checkins_of(user_id, today=None):
    """The check-ins ``user_id`` can answer now, oldest first."""
    today = today or programme_today()
    return db.session.scalars(select(Checkin).join(Match, Match.id == Checkin.match_id).where(
        Checkin.person_id == user_id, answerable_on(today))
        .order_by(Checkin.due_on, Checkin.id)).all()


def minutes_since_last(checkin):
    """Minutes the volunteer logged for this match since their previous check-in (or the
    match's start), rejected hours left out: "hours since last check-in"."""
    previous = db.session.scalar(select(func.max(Checkin.answered_at)).where(
        Checkin.match_id == checkin.match_id, Checkin.audience == VOLUNTEER,
        Checkin.status == ANSWERED, Checkin.id != checkin.id))
    since = utc_to_local(previous or checkin.match.activated_at).date()
    return db.session.scalar(select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(
        HourEntry.match_id == checkin.match_id, HourEntry.user_id == checkin.person_id,
        HourEntry.status != REJECTED, HourEntry.day >= since))
