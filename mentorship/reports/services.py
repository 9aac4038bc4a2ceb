"""Figures: the coordinator's dashboard, the public page, annual reports, milestones.

Everything is counted by SQL aggregation; no page loads rows to count them.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from ..accounts.models import COORDINATOR, User, UserRole
from ..audit.services import record
from ..awards.models import Nomination
from ..awards.services import current_cycle
from ..database import days_between, month_of, utcnow
from ..errors import DomainError
from ..extensions import db
from ..hours.models import APPROVED as HOURS_APPROVED
from ..hours.models import HourEntry
from ..mail import send_email
from ..matching.models import ACTIVE as MATCH_ACTIVE
from ..matching.models import COMPLETED as MATCH_COMPLETED
from ..matching.models import OPEN, BuddyRequest, Match
from ..programme.services import get_settings
from ..recognition.models import REDEEMED, Pass
from ..training.models import ATTENDED, NO_SHOW, Certificate, Enrollment
from ..volunteering.models import (
    ACTIVE,
    COMPLETED,
    ENDED_EARLY,
    OPEN_APPLICATION_STATES,
    ROLE_CODES,
    Application,
    Commitment,
)
from .models import MilestoneReached, PublishedReport

# A breakdown never shows a count of people below this: so few could be recognised.
SUPPRESS_BELOW = 5
# The published totals, in the order the pages show them.
METRIC_LABELS = {
    "volunteers": _l("Residents who volunteered"),
    "newcomers": _l("Newcomers accompanied"),
    "hours": _l("Approved hours given"),
    "certificates": _l("Certificates issued"),
    "matches_completed": _l("Matches completed"),
    "perks_redeemed": _l("Cultural passes used"),
}


def year_bounds(year):
    start = datetime(year, 1, 1)
    return start, datetime(year + 1, 1, 1)


# Dashboard ---------------------------------------------------------------------------


def dashboard(today):
    """Every figure of the coordinator's home, in a fixed number of queries."""
    now = utcnow()
    start, end = year_bounds(today.year)
    month_start = datetime(today.year, today.month, 1)
    per_role = dict(db.session.execute(
        select(Commitment.role, func.count()).where(Commitment.status == ACTIVE)
        .group_by(Commitment.role)).all())
    waiting, oldest = db.session.execute(
        select(func.count(Application.id), func.min(Application.submitted_at))
        .where(Application.status.in_(OPEN_APPLICATION_STATES))).one()
    open_requests = db.session.scalar(select(func.count()).select_from(BuddyRequest)
                                      .where(BuddyRequest.status == OPEN))
    waits = select(days_between(BuddyRequest.created_at, Match.activated_at).label("days")) \
        .join(BuddyRequest, BuddyRequest.id == Match.request_id) \
        .where(Match.activated_at >= start, Match.activated_at < end).subquery()
    count_waits = db.session.scalar(select(func.count()).select_from(waits))
    median_days = None
    if count_waits:
        median_days = db.session.scalar(select(waits.c.days).order_by(waits.c.days)
                                        .offset((count_waits - 1) // 2).limit(1))
    active_matches = db.session.scalar(select(func.count()).select_from(Match)
                                       .where(Match.status == MATCH_ACTIVE))
    month_minutes, year_minutes = db.session.execute(select(
        func.coalesce(func.sum(HourEntry.minutes).filter(HourEntry.day >= month_start.date()),
                      0),
        func.coalesce(func.sum(HourEntry.minutes), 0))
        .where(HourEntry.status == HOURS_APPROVED, HourEntry.day >= start.date(),
               HourEntry.day < end.date())).one()
    # The same commitments as the coordinator's "ending soon" list the figure links to.
    ending_soon = db.session.scalar(select(func.count()).select_from(Commitment).where(
        *Commitment.ending_soon(today)))
    completed, ended_early = db.session.execute(select(
        func.count(Commitment.id).filter(Commitment.status == COMPLETED,
                                         Commitment.completed_on >= start.date(),
                                         Commitment.completed_on < end.date()),
        func.count(Commitment.id).filter(Commitment.status == ENDED_EARLY,
                                         Commitment.ended_on >= start.date(),
                                         Commitment.ended_on < end.date()))).one()
    attended, no_show = db.session.execute(select(
        func.count(Enrollment.id).filter(Enrollment.status == ATTENDED),
        func.count(Enrollment.id).filter(Enrollment.status == NO_SHOW))).one()
    claimed, redeemed = db.session.execute(select(
        func.count(Pass.id).filter(Pass.issued_at >= start, Pass.issued_at < end),
        func.count(Pass.id).filter(Pass.status == REDEEMED, Pass.redeemed_at >= start,
                                   Pass.redeemed_at < end))).one()
    cycle = current_cycle()
    nominations = db.session.scalar(select(func.count()).select_from(Nomination).where(
        Nomination.cycle_id == cycle.id)) if cycle else 0
    return {
        "per_role": {role: per_role.get(role, 0) for role in ROLE_CODES},
        "applications_waiting": waiting,
        "oldest_wait_days": (now - oldest).days if oldest else None,
        "open_requests": open_requests,
        "median_days_to_match": round(median_days) if median_days is not None else None,
        "active_matches": active_matches,
        "hours_this_month": int(month_minutes) // 60,
        "hours_this_year": int(year_minutes) // 60,
        "ending_soon": ending_soon,
        "reached_six_months": _share(completed, completed + ended_early),
        "ended_this_year": completed + ended_early,
        "attendance_rate": _share(attended, attended + no_show),
        "passes_claimed": claimed,
        "passes_redeemed": redeemed,
        "nominations": nominations,
        "cycle": cycle,
    }


def _share(part, whole):
    return round(100 * part / whole) if whole else None


# Yearly figures (public page and annual report) --------------------------------------


def year_figures(year):
    """The published figures for a year: totals, per role, and per month."""
    start, end = year_bounds(year)
    first, last = date(year, 1, 1), date(year, 12, 31)
    served = and_(Commitment.status.in_((ACTIVE, COMPLETED, ENDED_EARLY)),
                  Commitment.start_date <= last,
                  or_(Commitment.ended_on.is_(None), Commitment.ended_on >= first),
                  Commitment.status != "awaiting_training")
    volunteers_by_role = dict(db.session.execute(
        select(Commitment.role, func.count(func.distinct(Commitment.user_id)))
        .where(served).group_by(Commitment.role)).all())
    volunteers = db.session.scalar(select(func.count(func.distinct(Commitment.user_id)))
                                   .where(served))
    in_year = and_(Match.activated_at.is_not(None), Match.activated_at < end,
                   or_(Match.ended_at.is_(None), Match.ended_at >= start))
    newcomers = db.session.scalar(select(func.count(func.distinct(Match.newcomer_id)))
                                  .where(in_year))
    month = month_of(HourEntry.day)
    hours_by_month = {m: int(v) // 60 for m, v in db.session.execute(
        select(month, func.sum(HourEntry.minutes)).where(
            HourEntry.status == HOURS_APPROVED, HourEntry.day >= first, HourEntry.day <= last)
        .group_by(month)).all()}
    certificates_month = month_of(Certificate.issued_on)
    certificates_by_month = dict(db.session.execute(
        select(certificates_month, func.count()).where(
            Certificate.issued_on >= first, Certificate.issued_on <= last)
        .group_by(certificates_month)).all())
    matches_month = month_of(Match.ended_at)
    matches_by_month = dict(db.session.execute(
        select(matches_month, func.count()).where(
            Match.status == MATCH_COMPLETED, Match.ended_at >= start, Match.ended_at < end)
        .group_by(matches_month)).all())
    started_month = month_of(Match.activated_at)
    started_by_month = dict(db.session.execute(
        select(started_month, func.count()).where(
            Match.activated_at >= start, Match.activated_at < end)
        .group_by(started_month)).all())
    passes_month = month_of(Pass.redeemed_at)
    passes_by_month = dict(db.session.execute(
        select(passes_month, func.count()).where(
            Pass.status == REDEEMED, Pass.redeemed_at >= start, Pass.redeemed_at < end)
        .group_by(passes_month)).all())
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    return {
        "year": year,
        "totals": {
            "volunteers": volunteers,
            "newcomers": newcomers,
            "hours": sum(hours_by_month.values()),
            "certificates": sum(certificates_by_month.values()),
            "matches_completed": sum(matches_by_month.values()),
            "perks_redeemed": sum(passes_by_month.values()),
        },
        "volunteers_by_role": {role: volunteers_by_role.get(role, 0) for role in ROLE_CODES},
        "months": [{"month": m, "hours": hours_by_month.get(m, 0),
                    "matches_started": started_by_month.get(m, 0),
                    "matches_completed": matches_by_month.get(m, 0),
                    "certificates": certificates_by_month.get(m, 0),
                    "perks_redeemed": passes_by_month.get(m, 0)} for m in months],
    }


def suppressed(count):
    """A count of people in a breakdown that is too small to publish: it shows as
    "fewer than 5" (SUPPRESS_BELOW)."""
    return count < SUPPRESS_BELOW


def years_with_activity(today):
    first = db.session.scalar(select(func.min(Commitment.start_date)))
    return list(range(today.year, (first.year if first else today.year) - 1, -1))


# Annual reports ----------------------------------------------------------------------


def publish(actor, year, note=None):
    """Freeze the year's figures. Publishing again makes a new version (with its note)."""
    latest = latest_report(year)
    if latest is not None and not (note or "").strip():
        raise ReportError(_l("A new version needs a note saying what changed."))
    report = PublishedReport(year=year, version=(latest.version + 1) if latest else 1,
                             data=year_figures(year), note=(note or "").strip() or None,
                             published_by_id=actor.id)
    db.session.add(report)
    db.session.flush()
    record(actor, "report.published", report, report.note, year=year, version=report.version)
    return report


class ReportError(DomainError):
    """A refused publication."""


def latest_report(year):
    return db.session.scalar(select(PublishedReport).where(PublishedReport.year == year)
                             .order_by(PublishedReport.version.desc()).limit(1))


def published_reports():
    return db.session.scalars(select(PublishedReport).order_by(
        PublishedReport.year.desc(), PublishedReport.version.desc())).all()


def csv_rows(figures):
    yield ("year", "month", "approved_hours", "matches_started", "matches_completed",
           "certificates_issued", "perks_redeemed")
    for row in figures["months"]:
        yield (figures["year"], row["month"], row["hours"], row["matches_started"],
               row["matches_completed"], row["certificates"], row["perks_redeemed"])


# Milestones --------------------------------------------------------------------------


def residents_accompanying(year):
    """Residents who accompanied newcomers in ``year`` (a match active during it)."""
    start, end = year_bounds(year)
    return db.session.scalar(select(func.count(func.distinct(Match.volunteer_id))).where(
        Match.activated_at.is_not(None), Match.activated_at < end,
        or_(Match.ended_at.is_(None), Match.ended_at >= start)))


def reached_milestone(year):
    """The highest threshold reached this year, or None."""
    count = residents_accompanying(year)
    reached = [t for t in sorted(get_settings().milestones or []) if count >= t]
    return reached[-1] if reached else None


def check_milestones(year):
    """Record newly reached thresholds and tell the coordinators, once each."""
    count = residents_accompanying(year)
    done = set(db.session.scalars(select(MilestoneReached.threshold).where(
        MilestoneReached.year == year)))
    new = [t for t in sorted(get_settings().milestones or []) if count >= t and t not in done]
    if not new:
        return []
    for threshold in new:
        db.session.add(MilestoneReached(year=year, threshold=threshold))
    db.session.flush()
    coordinators = db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == COORDINATOR).distinct()).all()
    for person in coordinators:
        send_email(person.email, _l("A milestone for the programme"), "milestone",
                   locale=person.locale, user=person, threshold=new[-1], year=year)
    return new
