"""The raw counts of a year, as reports/definitions.py defines them.

Raw counts never leave the building: reports/figures.py turns them into the published
figures (small numbers hidden). Everything is counted by SQL aggregation, in a fixed
number of queries whatever the size of the data.
"""

from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select

from ..database import month_of
from ..dates import programme_today
from ..extensions import db
from ..hours.models import APPROVED as HOURS_APPROVED
from ..hours.models import HourEntry
from ..matching.models import COMPLETED as MATCH_COMPLETED
from ..matching.models import Match
from ..recognition.models import REDEEMED, Pass
from ..training.models import Certificate
from ..volunteering.models import ACTIVE, COMPLETED, ENDED_EARLY, ROLE_CODES, Commitment


def year_bounds(year):
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def months_of(year):
    return [f"{year}-{month:02d}" for month in range(1, 13)]


def match_active_during(year):
    """SQL: a match accepted by both sides before the year ended, and not ended before it
    began (a match still going has no end)."""
    start, end = year_bounds(year)
    return and_(Match.activated_at.is_not(None), Match.activated_at < end,
                or_(Match.ended_at.is_(None), Match.ended_at >= start))


def commitment_active_during(year, today):
    """SQL: a commitment active on at least one day of ``year`` (up to ``today``).

    It starts on its start date (activation moves a date passed while waiting for training
    to the day training ended) and really ends when it was completed (completed_on) or
    ended early (ended_on); one ended before it was ever activated does not count. An
    active commitment past its end date is completed, even before the nightly sweep
    records it (Commitment.current_status).
    """
    real_end = case((Commitment.status == COMPLETED,
                     func.coalesce(Commitment.completed_on, Commitment.end_date)),
                    (Commitment.status == ENDED_EARLY,
                     func.coalesce(Commitment.ended_on, Commitment.end_date)),
                    else_=Commitment.end_date)
    return and_(Commitment.status.in_((ACTIVE, COMPLETED, ENDED_EARLY)),
                # Ended while still waiting for training: it never was active.
                ~and_(Commitment.status == ENDED_EARLY, Commitment.activated_at.is_(None)),
                Commitment.start_date <= min(date(year, 12, 31), today),
                real_end >= date(year, 1, 1))


def residents_accompanying(year):
    """Residents who accompanied newcomers in ``year``: a match active during it."""
    return db.session.scalar(select(func.count(func.distinct(Match.volunteer_id)))
                             .where(match_active_during(year)))


def hours_people(year):
    """How many people gave approved time, per month and in the whole year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    approved = (HourEntry.status == HOURS_APPROVED, HourEntry.day >= first,
                HourEntry.day <= last)
    month = month_of(HourEntry.day)
    per_month = dict(db.session.execute(
        select(month, func.count(func.distinct(HourEntry.user_id))).where(*approved)
        .group_by(month)).all())
    in_year = db.session.scalar(select(func.count(func.distinct(HourEntry.user_id)))
                                .where(*approved))
    return {m: per_month.get(m, 0) for m in months_of(year)}, in_year


def _per_month(column, *conditions):
    month = month_of(column)
    return dict(db.session.execute(select(month, func.count()).where(*conditions)
                                   .group_by(month)).all())


def count_year(year, today=None):
    """Every raw count of ``year``: totals, residents per role, figures per month, and how
    many people gave time each month (to decide which hours can be shown)."""
    today = today or programme_today()
    start, end = year_bounds(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    in_year = match_active_during(year)
    # A resident volunteered with a commitment active during the year, or by accompanying
    # a newcomer then (a match may outlive its commitment's pledged period).
    served = or_(commitment_active_during(year, today),
                 Commitment.id.in_(select(Match.commitment_id).where(in_year)))
    by_role = dict(db.session.execute(
        select(Commitment.role, func.count(func.distinct(Commitment.user_id)))
        .where(served).group_by(Commitment.role)).all())
    volunteers = db.session.scalar(select(func.count(func.distinct(Commitment.user_id)))
                                   .where(served))
    accompanying, newcomers = db.session.execute(select(
        func.count(func.distinct(Match.volunteer_id)),
        func.count(func.distinct(Match.newcomer_id))).where(in_year)).one()
    month = month_of(HourEntry.day)
    hours = {m: int(minutes) // 60 for m, minutes in db.session.execute(
        select(month, func.sum(HourEntry.minutes)).where(
            HourEntry.status == HOURS_APPROVED, HourEntry.day >= first, HourEntry.day <= last)
        .group_by(month)).all()}
    people, people_in_year = hours_people(year)
    per_month = {
        "hours": hours,
        "matches_started": _per_month(Match.activated_at, Match.activated_at >= start,
                                      Match.activated_at < end),
        "matches_completed": _per_month(Match.ended_at, Match.status == MATCH_COMPLETED,
                                        Match.ended_at >= start, Match.ended_at < end),
        "certificates": _per_month(Certificate.issued_on, Certificate.issued_on >= first,
                                   Certificate.issued_on <= last),
        "perks_redeemed": _per_month(Pass.redeemed_at, Pass.status == REDEEMED,
                                     Pass.redeemed_at >= start, Pass.redeemed_at < end),
    }
    months = [{"month": m, **{key: values.get(m, 0) for key, values in per_month.items()}}
              for m in months_of(year)]
    return {
        "year": year,
        "totals": {
            "volunteers": volunteers, "accompanying": accompanying, "newcomers": newcomers,
            **{key: sum(row[key] for row in months)
               for key in ("hours", "certificates", "matches_completed", "perks_redeemed")},
        },
        "volunteers_by_role": {role: by_role.get(role, 0) for role in ROLE_CODES},
        "months": months,
        "hours_people": people,
        "hours_people_in_year": people_in_year,
    }
