"""Hours: logging, validation, verification, reversals, confirmations, totals, exports."""

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import aliased

from .. import exports
from ..accounts.models import User
from ..audit.services import record
from ..database import ListPage, add_once, locked, locked_one, utcnow
from ..dates import programme_today
from ..errors import DomainError
from ..extensions import db
from ..formatting import format_day
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_ngettext
from ..matching.models import ACTIVE as MATCH_ACTIVE
from ..matching.models import COMPLETED as MATCH_COMPLETED
from ..matching.models import ENDED_EARLY as MATCH_ENDED_EARLY
from ..matching.models import Match
from ..volunteering.models import COMPLETED as COMMITMENT_COMPLETED
from ..volunteering.models import ENDED_EARLY as COMMITMENT_ENDED_EARLY
from ..volunteering.models import Commitment
from .models import (
    APPROVED,
    MATCH_ACTIVITIES,
    MAX_DAY_HOURS,
    MAX_DAY_MINUTES,
    MAX_ENTRY_HOURS,
    MAX_ENTRY_MINUTES,
    MIN_ENTRY_MINUTES,
    PENDING,
    REJECTED,
    HourEntry,
)

# Hours follow the commitment. An entry is dated within the service of one of the
# volunteer's commitments: from its start to the day it ended (completed, or ended
# early), or to today while it is current. Time given before the end can still be
# logged for CATCH_UP_DAYS after the end (a volunteer who logs once a month records
# their last meetings); after that window, nothing more is logged for that commitment.
# Another current commitment (a second role, a renewal) keeps its own period. A match's
# time counts for a commitment of the match's role (a renewal takes the match over).
# The same window keeps ended matches in the form's list.
CATCH_UP_DAYS = 60
RECENTLY_ENDED_DAYS = CATCH_UP_DAYS


class HoursError(DomainError):
    """A refused change to hours (``field``: the form field it is about, if any)."""


class NearDuplicate(HoursError):
    """Same match, same day, same duration: the volunteer must confirm it is another one."""


class BulkRefused(HoursError):
    """A bulk decision applied to none of the entries; ``failures`` lists each refused
    entry with why."""

    def __init__(self, failures):
        super().__init__(_l("Nothing was changed, because some entries could not be "
                            "decided."))
        self.failures = failures


# Logging -----------------------------------------------------------------------------


def loggable_matches(user_id, now=None):
    """The volunteer's own active matches and those ended in the last 60 days."""
    since = (now or utcnow()) - timedelta(days=RECENTLY_ENDED_DAYS)
    return db.session.scalars(_loggable_statement(),
                              {"user_id": user_id, "since": since}).all()


@cache
def _loggable_statement():  # built once (see _totals_statement)
    return (select(Match).options(_newcomer())
            .where(Match.volunteer_id == bindparam("user_id"),
                   or_(Match.status == MATCH_ACTIVE,
                       Match.status.in_((MATCH_COMPLETED, MATCH_ENDED_EARLY))
                       & (Match.ended_at >= bindparam("since"))))
            .order_by(Match.created_at))


def _newcomer(path=None):
    """Load a match's newcomer in the same query, without their roles (User.roles loads
    itself with one more query; the hours pages only show a first name)."""
    return (path or db).joinedload(Match.newcomer).lazyload(User.roles)


def commitments_of(user_id):
    return db.session.scalars(_commitments_statement(), {"user_id": user_id}).all()


@cache
def _commitments_statement():  # built once (see _totals_statement)
    return (select(Commitment).where(Commitment.user_id == bindparam("user_id"))
            .order_by(Commitment.start_date, Commitment.id))


def service_end(commitment, today):
    """The last day of ``commitment``'s service as of ``today``; None while it is current."""
    status = commitment.current_status(today)
    if status == COMMITMENT_ENDED_EARLY:
        return commitment.ended_on or commitment.end_date
    if status == COMMITMENT_COMPLETED:
        return commitment.completed_on or commitment.end_date
    return None


def catch_up_closes(end):
    """The last day on which time given up to ``end`` may still be logged."""
    return end + timedelta(days=CATCH_UP_DAYS)


def _accepts_entries(commitment, today):
    end = service_end(commitment, today)
    return end is None or today <= catch_up_closes(end)


def _covers(commitment, day, today):
    end = service_end(commitment, today)
    return (commitment.start_date <= day and (end is None or day <= end)
            and _accepts_entries(commitment, today))


@dataclass(frozen=True)
class LoggingWindow:
    """What the hours page says about logging: whether the volunteer has a commitment,
    may log now, the latest day an entry may carry, and, when no commitment is current,
    when the last one ended and until when its time may be logged."""

    has_commitment: bool
    may_log: bool
    last_day: date | None = None
    ended_on: date | None = None
    closes_on: date | None = None


def logging_window(user_id, today):
    commitments = commitments_of(user_id)
    if not commitments:
        return LoggingWindow(False, False)
    ends = [service_end(c, today) for c in commitments]
    if any(end is None for end in ends):
        return LoggingWindow(True, True, last_day=today)
    ended_on = max(ends)
    open_ends = [end for c, end in zip(commitments, ends, strict=True)
                 if _accepts_entries(c, today)]
    return LoggingWindow(True, bool(open_ends),
                         last_day=min(max(open_ends), today) if open_ends else None,
                         ended_on=ended_on, closes_on=catch_up_closes(ended_on))


def may_log(user_id, today=None):
    """Whether the volunteer may add hours now (see ``CATCH_UP_DAYS``)."""
    return logging_window(user_id, today or programme_today()).may_log


def _commitment_for(commitments, match, day, today):
    """The commitment an entry dated ``day`` counts for (see ``CATCH_UP_DAYS``); refused,
    about the date, when none of the volunteer's commitments covers that day."""
    candidates = commitments
    if match is not None:
        candidates = [c for c in commitments if c.role == match.commitment.role]
    covering = [c for c in candidates if _covers(c, day, today)]
    if covering:
        own = [c for c in covering if match is not None and c.id == match.commitment_id]
        return (own or covering)[-1]
    started = min(c.start_date for c in candidates)
    if day < started:
        raise HoursError(_l("The date is before your commitment started (%(date)s).",
                            date=format_day(started, "long")), "day")
    ends = [(service_end(c, today), c) for c in candidates]
    closed = [end for end, c in ends if end is not None and c.start_date <= day <= end]
    if closed:
        raise HoursError(lazy_ngettext(
            "Time can be logged up to %(num)d day after a commitment ends; yours ended on "
            "%(date)s.",
            "Time can be logged up to %(num)d days after a commitment ends; yours ended on "
            "%(date)s.", CATCH_UP_DAYS, date=format_day(max(closed), "long")), "day")
    ended = [end for end, _c in ends if end is not None and end < day]
    last = max(ended) if ended else started
    raise HoursError(_l("Your commitment ended on %(date)s: hours can be logged up to that "
                        "day only.", date=format_day(last, "long")), "day")


def _check(user, *, day, minutes, activity, match_id, today, entry_id=None,
           confirm_duplicate=False):
    """Every rule an entry must follow; returns (commitment id, match id)."""
    if day > today:
        raise HoursError(_l("The date cannot be in the future."), "day")
    if minutes is None or minutes < MIN_ENTRY_MINUTES:
        raise HoursError(_l("At least %(minutes)d minutes, please.",
                            minutes=MIN_ENTRY_MINUTES), "duration")
    if minutes > MAX_ENTRY_MINUTES:
        raise HoursError(_l("At most %(hours)d hours for one entry. For a longer day, add "
                            "two entries.", hours=MAX_ENTRY_HOURS), "duration")
    match = None
    if activity in MATCH_ACTIVITIES:
        if not match_id:
            raise HoursError(_l("Please choose the newcomer you met."), "match")
        match = next((m for m in loggable_matches(user.id) if m.id == match_id), None)
        if match is None:
            raise HoursError(_l("Please choose one of your own matches."), "match")
    elif match_id:
        match = next((m for m in loggable_matches(user.id) if m.id == match_id), None)
        if match is None:
            raise HoursError(_l("Please choose one of your own matches."), "match")
    commitments = commitments_of(user.id)
    if not commitments:
        raise HoursError(_l("Hours can be logged once your application is approved."))
    commitment = _commitment_for(commitments, match, day, today)
    day_total = db.session.scalar(
        select(func.coalesce(func.sum(HourEntry.minutes), 0))
        .where(HourEntry.user_id == user.id, HourEntry.day == day,
               HourEntry.status != REJECTED, HourEntry.reversal_of_id.is_(None),
               HourEntry.id != (entry_id or 0)))
    if day_total + minutes > MAX_DAY_MINUTES:
        raise HoursError(_l("That would make more than %(hours)d hours on %(date)s. Please "
                            "check the duration.", hours=MAX_DAY_HOURS,
                            date=format_day(day, "long")), "duration")
    if match and not confirm_duplicate and db.session.scalar(
            select(HourEntry.id).where(
                HourEntry.user_id == user.id, HourEntry.match_id == match.id,
                HourEntry.day == day, HourEntry.minutes == minutes,
                HourEntry.status != REJECTED, HourEntry.id != (entry_id or 0))):
        raise NearDuplicate(_l("You already logged the same time with the same person on "
                               "this day. Is this another meeting?"), "confirm_duplicate")
    return commitment.id, match.id if match else None


def _entry_with_token(user, token):
    if not token:
        return None
    return db.session.scalar(select(HourEntry).where(
        HourEntry.user_id == user.id, HourEntry.token == token))


def log_hours(user, *, token, day, minutes, activity, match_id, note, today,
              confirm_duplicate=False):
    """Add an entry. The form's token makes a double click or a retry save it once."""
    existing = _entry_with_token(user, token)
    if existing is not None:
        return existing
    # One volunteer's entries are checked and saved one at a time (the day's total).
    locked(select(User.id).where(User.id == user.id))
    # A retry that waited for the lock finds the entry the first one saved.
    existing = _entry_with_token(user, token)
    if existing is not None:
        return existing
    commitment_id, match_id = _check(user, day=day, minutes=minutes, activity=activity,
                                     match_id=match_id, today=today,
                                     confirm_duplicate=confirm_duplicate)
    entry = HourEntry(user_id=user.id, commitment_id=commitment_id, match_id=match_id,
                      day=day, minutes=minutes, activity=activity,
                      note=(note or "").strip() or None, token=token or None)
    if not add_once(entry):
        # The unique token refused it: a retry raced past the checks above. Only the
        # savepoint is undone, so the caller's transaction stays usable.
        return _entry_with_token(user, token)
    return entry


ENTRY_VERIFIED = _l("This entry has been verified and can no longer be changed. To correct it, "
                    "add a new entry.")


def own_pending(user, entry_id):
    entry = locked_one(HourEntry, entry_id)
    if entry is None or entry.user_id != user.id:
        raise HoursError(_l("This entry does not exist."))
    if not entry.is_pending:
        raise HoursError(ENTRY_VERIFIED)
    return entry


def edit_hours(user, entry_id, *, day, minutes, activity, match_id, note, today,
               confirm_duplicate=False):
    entry = own_pending(user, entry_id)
    locked(select(User.id).where(User.id == user.id))
    commitment_id, match_id = _check(user, day=day, minutes=minutes, activity=activity,
                                     match_id=match_id, today=today, entry_id=entry.id,
                                     confirm_duplicate=confirm_duplicate)
    entry.commitment_id, entry.match_id, entry.day = commitment_id, match_id, day
    entry.minutes, entry.activity = minutes, activity
    entry.note = (note or "").strip() or None
    entry.confirmed_by_newcomer_at = None  # the newcomer confirmed the old details
    return entry


def delete_hours(user, entry_id):
    entry = own_pending(user, entry_id)
    db.session.delete(entry)
    return entry


# Verification ------------------------------------------------------------------------


def decide(actor, entry_ids, decision, reason=None):
    """Approve or reject entries, all or none: if any cannot be decided, nothing changes
    and ``BulkRefused.failures`` lists each refused entry with why."""
    if decision not in (APPROVED, REJECTED):
        raise HoursError(_l("Unknown decision."), status=422)
    reason = (reason or "").strip() or None
    if decision == REJECTED and not reason:
        raise HoursError(_l("Please give the reason: the volunteer will see it."), "reason")
    ids = sorted(set(entry_ids))
    if not ids:
        raise HoursError(_l("Please select at least one entry."), status=422)
    entries = {e.id: e for e in locked(select(HourEntry).where(HourEntry.id.in_(ids))).scalars()}
    failures = []
    for entry_id in ids:
        entry = entries.get(entry_id)
        if entry is None:
            failures.append((entry_id, _l("This entry does not exist.")))
        elif not entry.is_pending:
            failures.append((entry_id, _l("Already decided.")))
        elif entry.user_id == actor.id:
            failures.append((entry_id, _l("You cannot verify your own hours.")))
    if failures:
        raise BulkRefused(failures)
    now = utcnow()
    for entry_id in ids:
        entry = entries[entry_id]
        entry.status, entry.decided_at, entry.decided_by_id = decision, now, actor.id
        entry.decision_reason = reason
        record(actor, f"hours.{decision}", entry, reason, minutes=entry.minutes,
               volunteer_id=entry.user_id)
    return [entries[i] for i in ids]


def reverse(actor, entry_id, reason):
    """Cancel an approved entry's time by a new, approved, negative entry."""
    reason = (reason or "").strip()
    if not reason:
        raise HoursError(_l("Please give the reason: the volunteer will see it."), "reason")
    entry = locked_one(HourEntry, entry_id)
    if entry is None or not entry.is_approved or entry.is_reversal:
        raise HoursError(_l("Only an approved entry can be reversed."))
    if db.session.scalar(select(HourEntry.id).where(HourEntry.reversal_of_id == entry.id)):
        raise HoursError(_l("This entry has already been reversed."))
    reversal = HourEntry(
        user_id=entry.user_id, commitment_id=entry.commitment_id, match_id=entry.match_id,
        day=entry.day, minutes=-entry.minutes, activity=entry.activity, note=reason,
        status=APPROVED, decided_at=utcnow(), decided_by_id=actor.id, decision_reason=reason,
        reversal_of_id=entry.id)
    db.session.add(reversal)
    db.session.flush()
    record(actor, "hours.reversed", entry, reason, reversal_id=reversal.id)
    return reversal


def confirm_by_newcomer(user, entry_id):
    """'Did you meet …?' — the newcomer of the entry's match says yes."""
    entry = locked_one(HourEntry, entry_id)
    if entry is None or entry.match is None or entry.match.newcomer_id != user.id:
        raise HoursError(_l("This entry does not exist."))
    if not entry.is_pending:
        raise HoursError(_l("This entry has already been verified."))
    entry.confirmed_by_newcomer_at = utcnow()
    return entry


@cache  # built once, with a parameter (/buddy)
def _to_confirm_statement():
    return (select(HourEntry).options(db.joinedload(HourEntry.user).lazyload(User.roles))
            .join(Match, Match.id == HourEntry.match_id)
            .where(Match.newcomer_id == bindparam("newcomer_id"), HourEntry.status == PENDING,
                   HourEntry.confirmed_by_newcomer_at.is_(None))
            .order_by(HourEntry.day))


def to_confirm(newcomer_id):
    return db.session.scalars(_to_confirm_statement(), {"newcomer_id": newcomer_id}).all()


# Totals and pages --------------------------------------------------------------------


# The hours page's statements are built once, with parameters (on first use: the models
# must all be mapped): SQLAlchemy then finds their compiled SQL without walking a new
# statement (a dozen CASE expressions, eager-load options) on every request.
TOTAL_KEYS = ("month_approved", "month_pending", "year_approved", "year_pending",
              "all_approved", "all_pending")


def _minutes(status, since=None):
    condition = HourEntry.status == status
    if since is not None:
        condition = condition & (HourEntry.day >= bindparam(since))
    return func.coalesce(func.sum(case((condition, HourEntry.minutes), else_=0)), 0)


@cache
def _totals_statement(with_month):
    statement = (select(_minutes(APPROVED, "month_start"), _minutes(PENDING, "month_start"),
                        _minutes(APPROVED, "year_start"), _minutes(PENDING, "year_start"),
                        _minutes(APPROVED), _minutes(PENDING))
                 .where(HourEntry.user_id == bindparam("user_id")))
    if with_month:
        statement = statement.add_columns(func.coalesce(func.sum(case((
            (HourEntry.day >= bindparam("shown_start"))
            & (HourEntry.day < bindparam("shown_end")), 1), else_=0)), 0))
    return statement


def totals(user_id, today, shown_month=None):
    """Minutes this month, this year and all time, approved and pending: one query. With
    ``shown_month`` (its first day), also how many entries that month holds
    (``shown_entries``, for the page's pagination)."""
    params = {"user_id": user_id, "month_start": today.replace(day=1),
              "year_start": today.replace(month=1, day=1)}
    keys = TOTAL_KEYS
    if shown_month is not None:
        params.update(shown_start=shown_month, shown_end=_next_month(shown_month))
        keys = (*keys, "shown_entries")
    row = db.session.execute(_totals_statement(shown_month is not None), params).one()
    return dict(zip(keys, (int(v) for v in row), strict=True))


class MatchTotal(NamedTuple):
    newcomer: str  # the first name
    approved: int
    pending: int


@cache
def _per_match_statement():
    newcomer = aliased(User)
    return (select(newcomer.name,
                   func.sum(case((HourEntry.status == APPROVED, HourEntry.minutes), else_=0)),
                   func.sum(case((HourEntry.status == PENDING, HourEntry.minutes), else_=0)))
            .join(Match, Match.id == HourEntry.match_id)
            .join(newcomer, newcomer.id == Match.newcomer_id)
            .where(HourEntry.user_id == bindparam("user_id"))
            .group_by(Match.id, newcomer.name)
            .order_by(Match.created_at))


def per_match_totals(user_id):
    """(newcomer's first name, approved minutes, pending minutes) for each match the
    volunteer logged."""
    return [MatchTotal(first_name(name), int(approved), int(pending))
            for name, approved, pending in db.session.execute(_per_match_statement(),
                                                              {"user_id": user_id})]


def first_name(name):
    """``User.first_name`` from the name alone (for rows that are not ORM objects)."""
    return name.split()[0] if name.split() else name


def _next_month(first_day):
    return (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _in_month(first_day):
    return (HourEntry.day >= first_day) & (HourEntry.day < _next_month(first_day))


MONTH_PER_PAGE = 25


def month_entries(user_id, first_day, page=None, total=None, per_page=MONTH_PER_PAGE):
    """The volunteer's entries of one month, newest first: all of them, or (``page``)
    one page of them, counted by ``total`` (``totals()["shown_entries"]``) when given,
    else by one more query."""
    params = {"user_id": user_id, "start": first_day, "end": _next_month(first_day)}
    if page is None:
        return db.session.scalars(_month_statement(False), params).all()
    page = max(page, 1)
    items = db.session.scalars(_month_statement(True), {
        **params, "limit": per_page, "offset": (page - 1) * per_page}).unique().all()
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(HourEntry).where(
            HourEntry.user_id == user_id, _in_month(first_day)))
    return ListPage(items, page, per_page, total)


@cache
def _month_statement(paged):  # built once (see _totals_statement)
    statement = (select(HourEntry).options(_newcomer(db.joinedload(HourEntry.match)))
                 .where(HourEntry.user_id == bindparam("user_id"),
                        HourEntry.day >= bindparam("start"), HourEntry.day < bindparam("end"))
                 .order_by(HourEntry.day.desc(), HourEntry.id.desc()))
    if paged:
        statement = statement.limit(bindparam("limit")).offset(bindparam("offset"))
    return statement


def month_page_of(entry, per_page=MONTH_PER_PAGE):
    """The page of its month on which ``entry`` is listed (newest first)."""
    newer = db.session.scalar(
        select(func.count()).select_from(HourEntry)
        .where(HourEntry.user_id == entry.user_id, _in_month(entry.day.replace(day=1)),
               or_(HourEntry.day > entry.day,
                   (HourEntry.day == entry.day) & (HourEntry.id > entry.id))))
    return newer // per_page + 1


class QueueRow(NamedTuple):
    """What the queue shows of a pending entry (no ORM object: 25 rows of five entities
    each cost more to build than the whole page to render)."""

    id: int
    volunteer: str
    role: str | None
    day: date
    minutes: int
    activity: str
    newcomer: str | None  # the match's newcomer's first name
    confirmed_by_newcomer_at: datetime | None
    note: str | None
    created_at: datetime


def queue(*, volunteer=None, role=None, neighbourhood_id=None, month=None, activity=None,
          min_age_days=None, page=1, per_page=25, now=None):
    """Pending entries, oldest first, as ``QueueRow``s of a ``ListPage``: all, or those of a
    volunteer (by name), a role, the volunteer's neighbourhood, the month the time was
    given in (its first day), an activity, or waiting ``min_age_days``."""
    from ..database import is_sqlite

    page = max(page or 1, 1)
    params = {"status": PENDING, "limit": per_page, "offset": (page - 1) * per_page}
    if volunteer:
        params["volunteer"] = f"%{volunteer.strip().casefold()}%"
    if role:
        params["role"] = role
    if neighbourhood_id:
        params["neighbourhood_id"] = neighbourhood_id
    if month:
        params.update(month_start=month, month_end=_next_month(month))
    if activity:
        params["activity"] = activity
    if min_age_days:
        params["logged_before"] = (now or utcnow()) - timedelta(days=min_age_days)
    items_statement, count_statement = _queue_statements(frozenset(params), is_sqlite())
    items = [QueueRow(id_, name, role_, day, minutes, activity_,
                      first_name(newcomer_name) if newcomer_name else None,
                      confirmed, note, created)
             for (id_, name, role_, day, minutes, activity_, newcomer_name, confirmed, note,
                  created) in db.session.execute(items_statement, params)]
    total = db.session.scalar(count_statement, params)
    return ListPage(items, page, per_page, total)


@cache
def _queue_statements(filters, sqlite):
    """The queue's page and count statements for one set of filters (the names of the
    parameters given), built once each (see _totals_statement)."""
    from ..database import folded

    conditions = [HourEntry.status == bindparam("status")]
    if "volunteer" in filters:
        conditions.append(HourEntry.user_id.in_(select(User.id).where(
            folded(User.name).like(bindparam("volunteer")))))
    # Role and neighbourhood as EXISTS, not IN: SQLite then walks the pending entries
    # (by month when one is chosen) instead of every entry of thousands of volunteers.
    # (Aliases: the page's own query joins these tables too.)
    if "role" in filters:
        of_role = aliased(Commitment)
        conditions.append(select(of_role.id).where(
            of_role.id == HourEntry.commitment_id, of_role.role == bindparam("role"))
            .correlate(HourEntry).exists())
    if "neighbourhood_id" in filters:
        living = aliased(User)
        conditions.append(select(living.id).where(
            living.id == HourEntry.user_id,
            living.neighbourhood_id == bindparam("neighbourhood_id"))
            .correlate(HourEntry).exists())
    if "month_start" in filters:
        conditions += [HourEntry.day >= bindparam("month_start"),
                       HourEntry.day < bindparam("month_end")]
    if "activity" in filters:
        conditions.append(HourEntry.activity == bindparam("activity"))
    if "logged_before" in filters:
        conditions.append(HourEntry.created_at <= bindparam("logged_before"))
    newcomer = aliased(User)
    items = (select(HourEntry.id, User.name, Commitment.role, HourEntry.day,
                    HourEntry.minutes, HourEntry.activity, newcomer.name,
                    HourEntry.confirmed_by_newcomer_at, HourEntry.note, HourEntry.created_at)
             .join(User, User.id == HourEntry.user_id)
             .outerjoin(Commitment, Commitment.id == HourEntry.commitment_id)
             .outerjoin(Match, Match.id == HourEntry.match_id)
             .outerjoin(newcomer, newcomer.id == Match.newcomer_id)
             .where(*conditions)
             .order_by(HourEntry.created_at, HourEntry.id)
             .limit(bindparam("limit")).offset(bindparam("offset")))
    count = select(func.count()).select_from(HourEntry).where(*conditions)
    return items, count


def approved(*, volunteer=None, page=1, per_page=25):
    """Approved entries that are not reversals, newest day first, as rows (id, name, day,
    minutes, activity, reversed) of a ``ListPage``: all, or those of a volunteer (by name).

    How many there are is counted over the whole history (~200,000 entries at five years,
    8 ms): it is kept until anything is written (``remembered``), the same for every
    coordinator (the key holds the volunteer filter, nothing about who asks)."""
    from ..database import folded
    from ..reports.cache import remembered

    conditions = [HourEntry.status == APPROVED, HourEntry.reversal_of_id.is_(None)]
    if volunteer:
        conditions.append(HourEntry.user_id.in_(select(User.id).where(
            folded(User.name).like(f"%{volunteer.casefold()}%"))))
    page = max(page or 1, 1)
    # A reversal is itself approved: the (status, reversal_of_id, day) index finds it.
    reversal = aliased(HourEntry)
    reversed_ = (select(reversal.id).where(reversal.status == APPROVED,
                                           reversal.reversal_of_id == HourEntry.id)
                 .exists().label("reversed"))
    rows = db.session.execute(
        select(HourEntry.id, User.name, HourEntry.day, HourEntry.minutes, HourEntry.activity,
               reversed_)
        .join(User, User.id == HourEntry.user_id)
        .where(*conditions)
        .order_by(HourEntry.day.desc(), HourEntry.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    total = remembered(("hours-approved-count", volunteer or ""), lambda: db.session.scalar(
        select(func.count()).select_from(HourEntry).where(*conditions)))
    return ListPage(rows, page, per_page, total)


# Exports -----------------------------------------------------------------------------

CSV_COLUMNS = ("entry_id", "date", "minutes", "hours", "activity", "status", "volunteer_id",
               "volunteer_name", "role", "match_id", "newcomer_confirmed", "decided_at",
               "reversal_of")


def export_rows(*, user_id=None, start=None, end=None, approved_only=True):
    query = (select(HourEntry, User.name, Commitment.role)
             .join(User, User.id == HourEntry.user_id)
             .outerjoin(Commitment, Commitment.id == HourEntry.commitment_id))
    if user_id is not None:
        query = query.where(HourEntry.user_id == user_id)
    if approved_only:
        query = query.where(HourEntry.status == APPROVED)
    if start:
        query = query.where(HourEntry.day >= start)
    if end:
        query = query.where(HourEntry.day <= end)
    query = query.order_by(HourEntry.day, HourEntry.id)
    for entry, name, role in db.session.execute(query).yield_per(1000):
        yield (entry.id, entry.day.isoformat(), entry.minutes, f"{entry.minutes / 60:.2f}",
               entry.activity, entry.status, entry.user_id, name, role or "",
               entry.match_id or "", "yes" if entry.confirmed_by_newcomer_at else "no",
               entry.decided_at.isoformat(timespec="seconds") + "Z" if entry.decided_at else "",
               entry.reversal_of_id or "")


def csv_lines(rows):
    """The CSV text, header first, one line at a time (for streaming)."""
    return exports.csv_lines(itertools.chain([CSV_COLUMNS], rows))
