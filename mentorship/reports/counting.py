"""The raw counts of a year, as reports/definitions.py defines them.

Raw counts never leave the building: reports/figures.py turns them into the published
figures (small numbers hidden). Everything is counted by SQL aggregation, in a fixed
number of queries whatever the size of the data.
"""

from datetime import date, datetime

from sqlalchemy import String, and_, case, cast, func, literal_column, or_, select, union_all

from ..database import in_one_query, month_of
from ..dates import add_months, programme_today
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


def _approved_in(first, following):
    return (HourEntry.status == HOURS_APPROVED, HourEntry.day >= first,
            HourEntry.day < following)


def _tagged(kind, key, value, *conditions):
    return select(literal_column(f"'{kind}'", String).label("kind"),
                  literal_column(f"'{key}'", String).label("key"),
                  value.label("value")).where(*conditions)


def _hours_by_month(year, minutes=True):
    """count_year's rows (kind, month, value) of how many people gave approved time and
    (``minutes``) the approved minutes, per month: one select per month over a range of
    days of the (status, day, user_id, minutes) index. Grouping the year's entries by a
    month worked out for each entry cost six times as much (a temporary tree over every
    entry)."""
    parts = []
    for month in range(1, 13):
        first = date(year, month, 1)
        approved = _approved_in(first, add_months(first, 1))
        key = first.strftime("%Y-%m")
        parts.append(_tagged("hours_people", key,
                             func.count(func.distinct(HourEntry.user_id)), *approved))
        if minutes:
            parts.append(_tagged("hours", key, func.sum(HourEntry.minutes), *approved))
    return parts


def hours_people(year):
    """How many people gave approved time, per month and in the whole year."""
    people = {key: int(value) for _kind, key, value in
              db.session.execute(union_all(*_hours_by_month(year, minutes=False))).all()}
    in_year = db.session.scalar(
        select(func.count(func.distinct(HourEntry.user_id)))
        .where(*_approved_in(date(year, 1, 1), date(year + 1, 1, 1))))
    return people, in_year


def _grouped(kind, key, value, *conditions):
    """One part of count_year's single grouped query: (kind, key, value) rows."""
    return (select(literal_column(f"'{kind}'", String).label("kind"),
                   cast(key, String).label("key"), value.label("value"))
            .where(*conditions).group_by(key))


def count_year(year, today=None):
    """Every raw count of ``year``: totals, residents per role, figures per month, and how
    many people gave time each month (to decide which hours can be shown).

    Two queries whatever the data: the year's single figures together
    (database.in_one_query), and every breakdown (per month, per role) as the rows of one
    UNION ALL, each tagged with what it counts.
    """
    today = today or programme_today()
    start, end = year_bounds(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    in_year = match_active_during(year)
    # A resident volunteered with a commitment active during the year, or by accompanying
    # a newcomer then (a match may outlive its commitment's pledged period).
    served = or_(commitment_active_during(year, today),
                 Commitment.id.in_(select(Match.commitment_id).where(in_year)))
    approved = _approved_in(first, date(year + 1, 1, 1))
    single = in_one_query(
        volunteers=select(func.count(func.distinct(Commitment.user_id))).where(served),
        accompanying=select(func.count(func.distinct(Match.volunteer_id))).where(in_year),
        newcomers=select(func.count(func.distinct(Match.newcomer_id))).where(in_year),
        people_in_year=select(func.count(func.distinct(HourEntry.user_id))).where(*approved))
    parts = (
        _grouped("role", Commitment.role, func.count(func.distinct(Commitment.user_id)),
                 served),
        *_hours_by_month(year),
        _grouped("matches_started", month_of(Match.activated_at), func.count(),
                 Match.activated_at >= start, Match.activated_at < end),
        _grouped("matches_completed", month_of(Match.ended_at), func.count(),
                 Match.status == MATCH_COMPLETED, Match.ended_at >= start,
                 Match.ended_at < end),
        _grouped("certificates", month_of(Certificate.issued_on), func.count(),
                 Certificate.issued_on >= first, Certificate.issued_on <= last),
        _grouped("perks_redeemed", month_of(Pass.redeemed_at), func.count(),
                 Pass.status == REDEEMED, Pass.redeemed_at >= start, Pass.redeemed_at < end),
    )
    found = {}
    for kind, key, value in db.session.execute(union_all(*parts)).all():
        found.setdefault(kind, {})[key] = int(value or 0)
    by_role = found.get("role", {})
    per_month = {key: found.get(key, {}) for key in (
        "hours", "matches_started", "matches_completed", "certificates", "perks_redeemed")}
    per_month["hours"] = {m: minutes // 60 for m, minutes in per_month["hours"].items()}
    people = found.get("hours_people", {})
    months = [{"month": m, **{key: values.get(m, 0) for key, values in per_month.items()}}
              for m in months_of(year)]
    return {
        "year": year,
        "totals": {
            "volunteers": single.volunteers, "accompanying": single.accompanying,
            "newcomers": single.newcomers,
            **{key: sum(row[key] for row in months)
               for key in ("hours", "certificates", "matches_completed", "perks_redeemed")},
        },
        "volunteers_by_role": {role: by_role.get(role, 0) for role in ROLE_CODES},
        "months": months,
        "hours_people": {m: people.get(m, 0) for m in months_of(year)},
        "hours_people_in_year": single.people_in_year,
    }
