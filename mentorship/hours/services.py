"""Hours: logging, validation, verification, reversals, confirmations, totals, exports."""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import case, func, or_, select

from .. import exports
from ..accounts.models import User
from ..audit.services import record
from ..database import add_once, locked, locked_one, utcnow
from ..dates import programme_today
from ..errors import DomainError
from ..extensions import db
from ..formatting import format_day
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
    return db.session.scalars(
        select(Match).options(_newcomer())
        .where(Match.volunteer_id == user_id,
               or_(Match.status == MATCH_ACTIVE,
                   Match.status.in_((MATCH_COMPLETED, MATCH_ENDED_EARLY))
                   & (Match.ended_at >= since)))
        .order_by(Match.created_at)).all()


def _newcomer(path=None):
    """Load a match's newcomer in the same query, without their roles (User.roles loads
    itself with one more query; the hours pages only show a first name)."""
    return (path or db).joinedload(Match.newcomer).lazyload(User.roles)


def commitments_of(user_id):
    return db.session.scalars(select(Commitment).where(Commitment.user_id == user_id)
                              .order_by(Commitment.start_date, Commitment.id)).all()


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


def to_confirm(newcomer_id):
    return db.session.scalars(
        select(HourEntry).options(db.joinedload(HourEntry.user).lazyload(User.roles))
        .join(Match, Match.id == HourEntry.match_id)
        .where(Match.newcomer_id == newcomer_id, HourEntry.status == PENDING,
               HourEntry.confirmed_by_newcomer_at.is_(None))
        .order_by(HourEntry.day)).all()


# Totals and pages --------------------------------------------------------------------


def totals(user_id, today, shown_month=None):
    """Minutes this month, this year and all time, approved and pending: one query. With
    ``shown_month`` (its first day), also how many entries that month holds
    (``shown_entries``, for the page's pagination)."""
    month_start, year_start = today.replace(day=1), today.replace(month=1, day=1)

    def total(status, since=None):
        condition = HourEntry.status == status
        if since is not None:
            condition = condition & (HourEntry.day >= since)
        return func.coalesce(func.sum(case((condition, HourEntry.minutes), else_=0)), 0)

    columns = [total(APPROVED, month_start), total(PENDING, month_start),
               total(APPROVED, year_start), total(PENDING, year_start),
               total(APPROVED), total(PENDING)]
    keys = ["month_approved", "month_pending", "year_approved", "year_pending",
            "all_approved", "all_pending"]
    if shown_month is not None:
        columns.append(func.coalesce(func.sum(case((_in_month(shown_month), 1), else_=0)), 0))
        keys.append("shown_entries")
    row = db.session.execute(select(*columns).where(HourEntry.user_id == user_id)).one()
    return dict(zip(keys, (int(v) for v in row), strict=True))


def per_match_totals(user_id):
    """(match, approved minutes, pending minutes) for each match the volunteer logged."""
    sums = (select(HourEntry.match_id,
                   func.sum(case((HourEntry.status == APPROVED, HourEntry.minutes),
                                 else_=0)).label("approved"),
                   func.sum(case((HourEntry.status == PENDING, HourEntry.minutes),
                                 else_=0)).label("pending"))
            .where(HourEntry.user_id == user_id, HourEntry.match_id.is_not(None))
            .group_by(HourEntry.match_id).subquery())
    return db.session.execute(
        select(Match, sums.c.approved, sums.c.pending)
        .join(sums, sums.c.match_id == Match.id)
        .options(_newcomer())
        .order_by(Match.created_at)).all()


def _next_month(first_day):
    return (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _in_month(first_day):
    return (HourEntry.day >= first_day) & (HourEntry.day < _next_month(first_day))


MONTH_PER_PAGE = 25


def month_entries(user_id, first_day, page=None, total=None, per_page=MONTH_PER_PAGE):
    """The volunteer's entries of one month, newest first: all of them, or (``page``)
    one page of them, counted by ``total`` (``totals()["shown_entries"]``) when given,
    else by one more query."""
    query = (select(HourEntry).options(_newcomer(db.joinedload(HourEntry.match)))
             .where(HourEntry.user_id == user_id, _in_month(first_day))
             .order_by(HourEntry.day.desc(), HourEntry.id.desc()))
    if page is None:
        return db.session.scalars(query).all()
    found = db.paginate(query, page=page, per_page=per_page, error_out=False,
                        count=total is None)
    if total is not None:
        found.total = total
    return found


def month_page_of(entry, per_page=MONTH_PER_PAGE):
    """The page of its month on which ``entry`` is listed (newest first)."""
    newer = db.session.scalar(
        select(func.count()).select_from(HourEntry)
        .where(HourEntry.user_id == entry.user_id, _in_month(entry.day.replace(day=1)),
               or_(HourEntry.day > entry.day,
                   (HourEntry.day == entry.day) & (HourEntry.id > entry.id))))
    return newer // per_page + 1


def queue(*, volunteer=None, role=None, neighbourhood_id=None, month=None, activity=None,
          min_age_days=None, page=1, per_page=25, now=None):
    """Pending entries, oldest first, with what the queue shows loaded up front: all, or
    those of a volunteer (by name), a role, the volunteer's neighbourhood, the month the
    time was given in (its first day), an activity, or waiting ``min_age_days``."""
    from ..database import folded

    query = (select(HourEntry)
             .options(db.joinedload(HourEntry.user).lazyload(User.roles),
                      db.joinedload(HourEntry.commitment),
                      _newcomer(db.joinedload(HourEntry.match)))
             .where(HourEntry.status == PENDING))
    if volunteer:
        query = query.where(HourEntry.user_id.in_(select(User.id).where(
            folded(User.name).like(f"%{volunteer.strip().casefold()}%"))))
    if role:
        query = query.where(HourEntry.commitment_id.in_(
            select(Commitment.id).where(Commitment.role == role)))
    if neighbourhood_id:
        query = query.where(HourEntry.user_id.in_(
            select(User.id).where(User.neighbourhood_id == neighbourhood_id)))
    if month:
        query = query.where(_in_month(month))
    if activity:
        query = query.where(HourEntry.activity == activity)
    if min_age_days:
        query = query.where(HourEntry.created_at <= (now or utcnow())
                            - timedelta(days=min_age_days))
    query = query.order_by(HourEntry.created_at, HourEntry.id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


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
