"""Effects: how newcomers' answers changed between their check-ins, in raw counts.

Only pairs count: a newcomer's answer at the start and their answer to the same question
three months later (or at the end), both given as a value. Raw counts never leave the
building: reports/figures.py publishes them through the one rule for small numbers, and
reports/definitions.py (EFFECTS_HOW) says in plain words what is counted here.
"""

from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from ..dates import local_to_utc
from ..extensions import db
from ..matching.models import Match
from .models import (
    ANSWERED,
    BASELINE,
    END,
    NEWCOMER,
    THREE_MONTHS,
    Checkin,
    CheckinAnswer,
    CheckinQuestion,
)
from .services import EFFECT_KEYS

# Each comparison is named after its later check-in; the earlier one is always the start.
COMPARISONS = (THREE_MONTHS, END)
GROUPS = ("improved", "same", "worse")
COUNTS = ("pairs", *GROUPS, "skipped")


def empty():
    """The counts of a year without any pair: every question, every comparison, zero."""
    return {moment: {key: dict.fromkeys(COUNTS, 0) for key in EFFECT_KEYS}
            for moment in COMPARISONS}


def count_effects(year):
    """Per comparison and question: pairs, improved, same, worse, and later answers skipped.

    A comparison counts the newcomers whose later check-in was answered in ``year``
    (programme local time) and whose start check-in of the same match was answered too.
    A newcomer counts once per comparison: when several of their matches qualify, their
    first match (by the day it started). Values compare as numbers; for "work" they are
    ordered no 0 < looking 1 < yes 2, so "improved" means further into work. One query.
    """
    start, end = local_to_utc(datetime(year, 1, 1)), local_to_utc(datetime(year + 1, 1, 1))
    later, earlier = aliased(Checkin), aliased(Checkin)
    first = func.row_number().over(
        partition_by=(Match.newcomer_id, later.moment),
        order_by=(Match.activated_at, Match.id)).label("first")
    qualifying = (
        select(later.id.label("later_id"), earlier.id.label("earlier_id"),
               later.moment.label("moment"), first)
        .join(Match, Match.id == later.match_id)
        .join(earlier, and_(earlier.match_id == later.match_id,
                            earlier.audience == NEWCOMER, earlier.moment == BASELINE,
                            earlier.status == ANSWERED))
        .where(later.audience == NEWCOMER, later.moment.in_(COMPARISONS),
               later.status == ANSWERED, later.answered_at >= start,
               later.answered_at < end)
        .subquery())
    late, base = aliased(CheckinAnswer), aliased(CheckinAnswer)
    paired = and_(late.skipped.is_(False), late.value.is_not(None),
                  base.skipped.is_(False), base.value.is_not(None))

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = db.session.execute(
        select(qualifying.c.moment, CheckinQuestion.key, count(paired),
               count(and_(paired, late.value > base.value)),
               count(and_(paired, late.value == base.value)),
               count(and_(paired, late.value < base.value)),
               count(late.skipped.is_(True)))
        .select_from(qualifying)
        .join(late, late.checkin_id == qualifying.c.later_id)
        .join(CheckinQuestion, CheckinQuestion.id == late.question_id)
        .outerjoin(base, and_(base.checkin_id == qualifying.c.earlier_id,
                              base.question_id == late.question_id))
        .where(qualifying.c.first == 1, CheckinQuestion.key.in_(EFFECT_KEYS))
        .group_by(qualifying.c.moment, CheckinQuestion.key)).all()
    effects = empty()
    for moment, key, *values in rows:
        effects[moment][key] = {name: int(value)
                                for name, value in zip(COUNTS, values, strict=True)}
    return effects
