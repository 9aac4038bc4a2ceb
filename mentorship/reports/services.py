"""The coordinator's dashboard, publishing annual reports, and milestones.

What the public sees (the /impact page, CSV, snapshots, banner) is reports/figures.py.
Everything is counted by SQL aggregation; no page loads rows to count them.
"""

from datetime import datetime

from sqlalchemy import func, select

from ..accounts.models import COORDINATOR, User, UserRole
from ..audit.services import record
from ..awards import public as award_page
from ..awards.models import ANNOUNCED, AwardCycle, Nomination
from ..awards.services import current_cycle
from ..database import days_between, utcnow
from ..errors import DomainError
from ..extensions import db
from ..hours.models import APPROVED as HOURS_APPROVED
from ..hours.models import PENDING as HOURS_PENDING
from ..hours.models import HourEntry
from ..i18n import lazy_gettext as _l
from ..mail import send_email
from ..matching.models import ACTIVE as MATCH_ACTIVE
from ..matching.models import OPEN, BuddyRequest, Match
from ..programme.services import get_settings
from ..recognition.models import REDEEMED, Pass
from ..signals import match_started
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
from . import figures
from .counting import residents_accompanying, year_bounds
from .definitions import METRIC_LABELS, SUPPRESS_BELOW  # noqa: F401  (Jinja global, tests)
from .models import MilestoneReached, PublishedReport

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
    hours_waiting, oldest_hours = db.session.execute(
        select(func.count(HourEntry.id), func.min(HourEntry.created_at))
        .where(HourEntry.status == HOURS_PENDING)).one()
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
        "hours_waiting": hours_waiting,
        "oldest_hours_days": (now - oldest_hours).days if oldest_hours else None,
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


# Yearly figures: reports/figures.py publishes them ------------------------------------


def years_with_activity(today):
    first = db.session.scalar(select(func.min(Commitment.start_date)))
    return list(range(today.year, (first.year if first else today.year) - 1, -1))


# Annual reports ----------------------------------------------------------------------


def publish(actor, year, note=None):
    """Freeze the year's figures. Publishing again makes a new version (with its note)."""
    latest = latest_report(year)
    if latest is not None and not (note or "").strip():
        raise ReportError(_l("A new version needs a note saying what changed."))
    # The snapshot stores what the public sees (small numbers already hidden), with the
    # year's milestones and award winners as they are shown today: a later change (a
    # threshold reached afterwards, a winner named later) only shows in a new version.
    data = {**figures.published(year), "milestones": milestones_of(year),
            "winners": winners_of(year)}
    report = PublishedReport(year=year, version=(latest.version + 1) if latest else 1,
                             data=data, note=(note or "").strip() or None,
                             published_by_id=actor.id)
    db.session.add(report)
    db.session.flush()
    record(actor, "report.published", report, report.note, year=year, version=report.version)
    return report


class ReportError(DomainError):
    """A refused publication."""


def milestones_of(year):
    """The thresholds reached in ``year`` that may be published (never a small one)."""
    return list(db.session.scalars(select(MilestoneReached.threshold).where(
        MilestoneReached.year == year, MilestoneReached.threshold >= SUPPRESS_BELOW)
        .order_by(MilestoneReached.threshold)))


def announced_cycle(year):
    return db.session.scalar(select(AwardCycle).where(AwardCycle.year == year,
                                                      AwardCycle.state == ANNOUNCED))


def winners_of(year):
    """The winners of ``year``'s announced award as /awards/<year> names them (the same
    rule: awards.public), or None when no award was announced for that year."""
    cycle = announced_cycle(year)
    if cycle is None:
        return None
    return [{"category": category.code, "user_id": category.winner_id, "name": person["name"]}
            for category, people, _unnamed in award_page.public_results(cycle)
            for person in people if person["winner"]]


def forget_winner(user_id):
    """Erasure: take a person out of the winners stored in every published report (the
    pages already stop naming them; this removes the name from the database too)."""
    for report in db.session.scalars(select(PublishedReport)):
        winners = report.data.get("winners") if isinstance(report.data, dict) else None
        if winners and any(winner["user_id"] == user_id for winner in winners):
            report.data = {**report.data, "winners": [
                winner for winner in winners if winner["user_id"] != user_id]}


def winners_named_now(year, winners):
    """The snapshot's ``winners`` still named today: a winner who withdrew their consent
    (or whose account was erased or disabled) disappears from every version at once."""
    if not winners:
        return winners
    cycle = announced_cycle(year)
    shown = award_page.consented(cycle) if cycle is not None else set()
    return [winner for winner in winners if winner["user_id"] in shown]


def latest_report(year):
    return db.session.scalar(select(PublishedReport).where(PublishedReport.year == year)
                             .order_by(PublishedReport.version.desc()).limit(1))


def published_reports():
    return db.session.scalars(select(PublishedReport).order_by(
        PublishedReport.year.desc(), PublishedReport.version.desc())).all()


# Milestones --------------------------------------------------------------------------


def reached_milestone(year):
    """The highest threshold reached this year, or None (for coordinators: the public
    banner is figures.milestone, which never shows a small one)."""
    count = residents_accompanying(year)
    reached = [t for t in sorted(get_settings().milestones or []) if count >= t]
    return reached[-1] if reached else None


@match_started.connect
def _on_match_started(match, **_):
    """A match that starts may reach a milestone of its year."""
    check_milestones(match.activated_at.year)


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
        UserRole.role == COORDINATOR, User.is_enabled.is_(True)).distinct()).all()
    for person in coordinators:
        send_email(person.email, _l("A milestone for the programme"), "milestone",
                   locale=person.locale, user=person, threshold=new[-1], year=year)
    return new
