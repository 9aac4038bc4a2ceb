"""Every single-value figure of the coordinator's home in ONE query.

The same figures as ``reports.services.dashboard`` (same conditions, same meaning) plus the
home's other counts (matches waiting for a decision, erasure requests, flagged matches),
each a scalar subquery of one SELECT (``in_one_query`` below), so the home costs the
same round trips whatever the history holds. The current award cycle comes with the open
cycles the "needs a new owner" list reads (``open_cycles``): one query for both.

Indexes these aggregates are written to use (5 years of history): see the note at the end.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from ..accounts.models import User
from ..awards.models import ANNOUNCED, AwardCycle, Nomination
from ..database import days_between, utcnow
from ..extensions import db
from ..hours.models import APPROVED as HOURS_APPROVED
from ..hours.models import PENDING as HOURS_PENDING
from ..hours.models import HourEntry
from ..matching.endings import needs_decision
from ..matching.models import ACTIVE as MATCH_ACTIVE
from ..matching.models import OPEN, BuddyRequest, Match, MatchFlag
from ..privacy.models import REQUESTED, ErasureRequest
from ..recognition.models import REDEEMED, Pass
from ..reports import figures as published
from ..reports.counting import year_bounds
from ..training.models import ATTENDED, NO_SHOW, Enrollment
from ..volunteering.models import (
    ACTIVE,
    COMPLETED,
    ENDED_EARLY,
    OPEN_APPLICATION_STATES,
    ROLE_CODES,
    Application,
    Commitment,
)
from . import services


def _count(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions)


def _median_wait(start, end):
    """The median of the days from request to match for matches started in [start, end):
    the middle row (the lower one of an even count, as ``(n - 1) // 2`` rows skipped)."""
    days = days_between(BuddyRequest.created_at, Match.activated_at)
    waits = (select(days.label("days"),
                    func.row_number().over(order_by=days).label("n"),
                    func.count().over().label("total"))
             .join(BuddyRequest, BuddyRequest.id == Match.request_id)
             .where(Match.activated_at >= start, Match.activated_at < end).subquery())
    return select(waits.c.days).where(
        or_(waits.c.n * 2 == waits.c.total, waits.c.n * 2 - 1 == waits.c.total))


def _approved_minutes(year_start, year_end, month_start):
    """This year's approved minutes, and this month's, in one pass over the year's rows
    (a derived table of one row, two columns)."""
    return select(
        func.coalesce(func.sum(HourEntry.minutes).filter(HourEntry.day >= month_start), 0)
        .label("month_minutes"),
        func.coalesce(func.sum(HourEntry.minutes), 0).label("year_minutes")
    ).where(HourEntry.status == HOURS_APPROVED, HourEntry.day >= year_start,
            HourEntry.day < year_end).subquery()


def open_cycles():
    """Award cycles not announced yet, the latest first, each with its chair (one query,
    a handful of rows): the first is the current cycle, and those whose chair can no
    longer log in need a new owner."""
    chair = aliased(User)
    return db.session.scalars(
        select(AwardCycle).outerjoin(chair, AwardCycle.chair)
        .where(AwardCycle.state != ANNOUNCED)
        .options(contains_eager(AwardCycle.chair.of_type(chair)).lazyload(chair.roles))
        .order_by(AwardCycle.year.desc())).all()


def in_one_query(derived, **selects):
    """``database.in_one_query`` with the columns of a one-row ``derived`` table too (two
    sums over the same rows read them once)."""
    return db.session.execute(
        select(*(query.scalar_subquery().label(name) for name, query in selects.items()),
               *derived.c).select_from(derived)).one()


@dataclass
class CurrentCycle:
    year: int
    state_label: str


def figures(today):
    """The home's figures: the keys of ``reports.services.dashboard`` plus
    ``matches_needing_decision``, ``erasure_requests``, ``matches_needing_attention``,
    and ``cycles`` (the open award cycles, see ``open_cycles``). Two queries."""
    now = utcnow()
    start, end = year_bounds(today.year)
    month_start = datetime(today.year, today.month, 1).date()
    current_cycle_id = (select(AwardCycle.id).where(AwardCycle.state != ANNOUNCED)
                        .order_by(AwardCycle.year.desc()).limit(1).scalar_subquery())
    decision = (select(func.count()).select_from(Match)
                .join(Commitment, Commitment.id == Match.commitment_id)
                .where(needs_decision(today)))
    hours = _approved_minutes(start.date(), end.date(), month_start)
    row = in_one_query(
        hours,
        **{f"role_{role}": _count(Commitment, Commitment.status == ACTIVE,
                                  Commitment.role == role) for role in ROLE_CODES},
        applications_waiting=_count(Application,
                                    Application.status.in_(OPEN_APPLICATION_STATES)),
        oldest_application=select(func.min(Application.submitted_at))
        .where(Application.status.in_(OPEN_APPLICATION_STATES)),
        hours_waiting=_count(HourEntry, HourEntry.status == HOURS_PENDING),
        oldest_hours=select(func.min(HourEntry.created_at))
        .where(HourEntry.status == HOURS_PENDING),
        open_requests=_count(BuddyRequest, BuddyRequest.status == OPEN),
        median_days=_median_wait(start, end),
        active_matches=_count(Match, Match.status == MATCH_ACTIVE),
        ending_soon=_count(Commitment, *Commitment.ending_soon(today)),
        completed=_count(Commitment, Commitment.status == COMPLETED,
                         Commitment.completed_on >= start.date(),
                         Commitment.completed_on < end.date()),
        ended_early=_count(Commitment, Commitment.status == ENDED_EARLY,
                           Commitment.ended_on >= start.date(),
                           Commitment.ended_on < end.date()),
        attended=_count(Enrollment, Enrollment.status == ATTENDED),
        no_show=_count(Enrollment, Enrollment.status == NO_SHOW),
        passes_claimed=_count(Pass, Pass.issued_at >= start, Pass.issued_at < end),
        passes_redeemed=_count(Pass, and_(Pass.status == REDEEMED, Pass.redeemed_at >= start,
                                          Pass.redeemed_at < end)),
        nominations=_count(Nomination, Nomination.cycle_id == current_cycle_id),
        matches_needing_decision=decision,
        erasure_requests=_count(ErasureRequest, ErasureRequest.status == REQUESTED),
        # as checkins.flags.open_flag_count: matches with an open flag
        matches_needing_attention=select(func.count(func.distinct(MatchFlag.match_id)))
        .where(MatchFlag.resolved_at.is_(None)),
    )
    cycles = open_cycles()
    cycle = cycles[0] if cycles else None
    ended = row.completed + row.ended_early
    return {
        "per_role": {role: getattr(row, f"role_{role}") for role in ROLE_CODES},
        "applications_waiting": row.applications_waiting,
        "oldest_wait_days": ((now - row.oldest_application).days
                             if row.oldest_application else None),
        "hours_waiting": row.hours_waiting,
        "oldest_hours_days": (now - row.oldest_hours).days if row.oldest_hours else None,
        "open_requests": row.open_requests,
        "median_days_to_match": (round(row.median_days) if row.median_days is not None
                                 else None),
        "active_matches": row.active_matches,
        "hours_this_month": int(row.month_minutes) // 60,
        "hours_this_year": int(row.year_minutes) // 60,
        "ending_soon": row.ending_soon,
        "reached_six_months": _share(row.completed, ended),
        "ended_this_year": ended,
        "attendance_rate": _share(row.attended, row.attended + row.no_show),
        "passes_claimed": row.passes_claimed,
        "passes_redeemed": row.passes_redeemed,
        "nominations": row.nominations if cycle else 0,
        "cycle": CurrentCycle(cycle.year, cycle.state_label) if cycle else None,
        "cycles": cycles,
        "matches_needing_decision": row.matches_needing_decision,
        "erasure_requests": row.erasure_requests,
        "matches_needing_attention": row.matches_needing_attention,
    }


def home(today):
    """Everything the coordinator's home shows, as plain data that may be kept in memory
    (``reports.cache.remembered``: until anything is written to the database): the
    figures, the work that needs a new owner, the longest-flagged matches and the
    published effects of the year. The same for every coordinator; labels stay lazy, so
    each reader gets them in their own language. Seven queries, each run only when the
    database changed."""
    numbers = figures(today)
    cycles = numbers.pop("cycles")
    owner = services.needing_new_owner(cycles)
    attention = services.needing_attention(numbers["matches_needing_attention"])
    people = ("volunteer.name", "newcomer.name")
    return {
        "figures": numbers,
        "new_owner": replace(
            owner,
            applications=[plain(a, "id", "role", "status_label", "user.name",
                                "decided_by.name") for a in owner.applications],
            proposals=[(plain(match, "id", "request_id", *people), plain(person, "name"))
                       for match, person in owner.proposals],
            cycles=[plain(cycle, "id", "year", "chair.name") for cycle in owner.cycles],
            matches=[plain(match, "id", *people) for match in owner.matches]),
        "attention": replace(attention, oldest=[
            (plain(match, "id", *people), plain(flag, "reason_label", "raised_at"))
            for match, flag in attention.oldest]),
        "effects": published.published_effects(today.year),
    }


def plain(thing, *paths):
    """A copy of the attributes at ``paths`` ("id", "user.name") of a database object,
    nested as they are read (``copy.user.name``), that outlives its session."""
    copy = SimpleNamespace()
    for path in paths:
        *parents, name = path.split(".")
        value, target = thing, copy
        for parent in parents:
            value = getattr(value, parent)
            if not hasattr(target, parent):
                setattr(target, parent, SimpleNamespace())
            target = getattr(target, parent)
        setattr(target, name, getattr(value, name))
    return copy


def _share(part, whole):
    return round(100 * part / whole) if whole else None


# Indexes for 5 years of history (a migration is the integrator's; none is added here):
#   hour_entries (status, day, minutes)   the approved minutes of a month and a year
#   hour_entries (status, created_at)     pending hours: count and oldest
#   applications (status, submitted_at)   waiting applications: count and oldest
#   commitments (status, role)            active volunteers per role
#   commitments (status, end_date)        ending soon, and matches needing a decision
#   commitments (status, completed_on) and (status, ended_on)   ended this year
#   matches (activated_at)                this year's waits to a match (median)
#   matches (status)                      active matches
#   passes (issued_at), passes (status, redeemed_at)
#   enrollments (status), buddy_requests (status), erasure_requests (status)
#   nominations (cycle_id), match_flags (resolved_at, match_id)
