"""The annual award's rules: who may be nominated (and named), nominations, declines,
shortlists, jury votes with conflict rules, the tally with its tie-breaks. Cycles and
their states are in ``cycles``; what is published in ``public``."""

from collections import defaultdict
from datetime import date
from functools import partial
from typing import NamedTuple

from sqlalchemy import and_, func, select

from ..accounts.models import User
from ..audit.services import record
from ..database import add_once, folded, locked_one, unique_or
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_email
from ..volunteering.models import ACTIVE, COMPLETED, Commitment
from .models import (
    ANNOUNCED,
    CITATION_MAX,
    CITATION_MIN,
    SCORE_MAX,
    SCORE_MIN,
    AwardCategory,
    AwardCycle,
    Decline,
    Juror,
    Nomination,
    PublicConsent,
    Shortlisted,
    Vote,
)

NOMINEE_RESULTS = 20
# Commitments that count as having volunteered in a year.
SERVED_STATES = (ACTIVE, COMPLETED)


class AwardError(DomainError):
    """A change to the award (cycle, nomination, shortlist, vote) the rules refuse."""


def leave_open_juries(user):
    """Take ``user`` off the jury of every cycle not yet announced (a disabled or erased
    account); their votes stay only where the cycle is already decided. Returns how many
    juries they left."""
    open_cycles = select(AwardCycle.id).where(AwardCycle.state != ANNOUNCED)
    left = db.session.execute(db.delete(Juror).where(
        Juror.user_id == user.id, Juror.cycle_id.in_(open_cycles))).rowcount
    db.session.execute(db.delete(Vote).where(
        Vote.juror_id == user.id,
        Vote.category_id.in_(select(AwardCategory.id).where(
            AwardCategory.cycle_id.in_(open_cycles)))))
    return left


def current_cycle():
    """The latest cycle not yet announced (None between cycles), with its categories."""
    return db.session.scalars(select(AwardCycle).options(db.joinedload(AwardCycle.categories))
                              .where(AwardCycle.state != ANNOUNCED)
                              .order_by(AwardCycle.year.desc()).limit(1)).unique().first()


# Nominations -------------------------------------------------------------------------


def _served_during(year):
    """SQL: the commitment was active or completed at some point of ``year``."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    return (Commitment.status.in_(SERVED_STATES) & (Commitment.start_date <= end)
            & (Commitment.end_date >= start))


def served_in_year(user_id, year):
    """Roles in which the person had an active or completed commitment during ``year``."""
    return set(db.session.scalars(select(Commitment.role).where(
        Commitment.user_id == user_id, _served_during(year))))


def named_account():
    """SQL: an account that may be chosen or named at all (neither disabled nor erased)."""
    return and_(User.is_enabled.is_(True), User.erased_at.is_(None))


def may_be_named(user):
    """The same rule as ``named_account``, for a loaded person."""
    return user is not None and user.is_enabled and not user.is_erased


def _eligible(cycle):
    """SQL: people who may be nominated in ``cycle``: served in its year, did not
    decline, and their account is neither disabled nor erased."""
    declined = select(Decline.user_id).where(Decline.cycle_id == cycle.id)
    served = select(Commitment.user_id).where(_served_during(cycle.year))
    # Each person once however many commitments they served (no DISTINCT needed), and
    # without their roles: who may be nominated is decided here, not by a role.
    return select(User).options(db.lazyload(User.roles)).where(
        User.id.in_(served), ~User.id.in_(declined), named_account())


def _named_like(cycle, query, excluding):
    """SQL: people who may be nominated in ``cycle``, whose name contains ``query``, other
    than the person ``excluding`` (the nominator). Names only: a nominator never finds
    anyone by an email or phone number."""
    statement = _eligible(cycle)
    needle = (query or "").strip().casefold()
    if needle:  # no search: no name folded for each of thousands of rows
        statement = statement.where(folded(User.name).contains(needle, autoescape=True))
    if excluding is not None:
        statement = statement.where(User.id != excluding)
    return statement


class Nominee(NamedTuple):
    """A person the nomination form lists: what it shows of them."""

    id: int
    name: str


def nominee_choices(cycle, query, limit=NOMINEE_RESULTS, excluding=None):
    """``(people, total)``: the first ``limit`` people ``eligible_nominees`` lists (as
    Nominee) and how many there are in all (the nomination form says "20 of 26").

    Without a search the list is the same for everyone (but the nominator): it is kept
    until anything is written to the database (see ``_everyone_eligible``)."""
    if not (query or "").strip():
        from ..reports.cache import remembered  # reports imports the award's pages

        first, ids = remembered(("award-nominees", cycle.id, cycle.year, limit),
                                partial(_everyone_eligible, cycle, limit + 1))
        people = [person for person in first if person.id != excluding][:limit]
        return people, len(ids) - (excluding in ids)
    rows = db.session.execute(
        _named_like(cycle, query, excluding)
        .with_only_columns(User.id, User.name, func.count().over())
        .order_by(User.name, User.id).limit(limit)).all()
    return [Nominee(person_id, name) for person_id, name, _total in rows], (
        rows[0][2] if rows else 0)


def _everyone_eligible(cycle, first):
    """The ``first`` people who may be nominated in ``cycle``, by name, and the ids of
    all of them: plain values, the same whoever asks (the nominator is left out after)."""
    rows = db.session.execute(_eligible(cycle).with_only_columns(User.id, User.name)
                              .order_by(User.name, User.id)).all()
    return [Nominee(*row) for row in rows[:first]], frozenset(row[0] for row in rows)


def eligible_nominees(cycle, query, limit=NOMINEE_RESULTS, excluding=None):
    """People who may be nominated in ``cycle`` whose name contains ``query``, by name,
    at most ``limit`` of them (``eligible_nominee_count`` says how many there are)."""
    return nominee_choices(cycle, query, limit, excluding)[0]


def eligible_nominee_count(cycle, query, excluding=None):
    """How many people ``eligible_nominees`` would list without a limit."""
    return db.session.scalar(select(func.count()).select_from(
        _named_like(cycle, query, excluding).with_only_columns(User.id).subquery()))


def eligible_nominee(cycle, user_id):
    """The person with this id if they may be nominated in this cycle, else None: no one
    else's name is ever shown."""
    return db.session.scalar(_eligible(cycle).where(User.id == user_id).limit(1))


def has_declined(cycle_id, user_id):
    return bool(db.session.scalar(select(Decline.id).where(
        Decline.cycle_id == cycle_id, Decline.user_id == user_id)))


def nominate(nominator, cycle_id, category_id, nominee_id, citation, today, locale=None):
    """Nominate (or change one's nomination in) a category while nominations are open."""
    cycle = db.session.get(AwardCycle, cycle_id)
    category = db.session.get(AwardCategory, category_id)
    if cycle is None or category is None or category.cycle_id != cycle.id:
        raise AwardError(_l("This category does not exist."), "category")
    if not cycle.is_nominating or not (
            cycle.nominations_open_on <= today <= cycle.nominations_close_on):
        raise AwardError(_l("Nominations are not open."))
    if nominee_id == nominator.id:
        raise AwardError(_l("You cannot nominate yourself."), "nominee")
    if not category.open_to(nominator):
        raise AwardError(_l("Only newcomers nominate in this category."), "category")
    # Locked: an erasure of the nominee at the same moment waits for this nomination (and
    # then withdraws it), or this one sees the erased account and refuses.
    if not may_be_named(locked_one(User, nominee_id)):
        raise AwardError(_l("This person cannot be nominated."), "nominee")
    roles = served_in_year(nominee_id, cycle.year)
    if not roles:
        raise AwardError(_l("This person did not volunteer in %(year)d.", year=cycle.year),
                         "nominee")
    if category.role and category.role not in roles:
        raise AwardError(_l("This person did not volunteer in this role in %(year)d.",
                            year=cycle.year), "category")
    if has_declined(cycle.id, nominee_id):
        raise AwardError(_l("This person asked not to be considered this year."), "nominee")
    citation = (citation or "").strip()
    if not CITATION_MIN <= len(citation) <= CITATION_MAX:
        raise AwardError(_l("Please write between %(min)d and %(max)d characters.",
                            min=CITATION_MIN, max=CITATION_MAX), "citation")
    nomination = db.session.scalar(select(Nomination).where(
        Nomination.category_id == category.id, Nomination.nominator_id == nominator.id))
    first_time = not db.session.scalar(select(Nomination.id).where(
        Nomination.cycle_id == cycle.id, Nomination.nominee_id == nominee_id))
    # A second nomination sent at the same moment loses to the unique (category,
    # nominator): only this block is undone, never the caller's transaction.
    with unique_or(AwardError(_l("You already nominated someone in this category."))):
        if nomination is None:
            nomination = Nomination(cycle_id=cycle.id, category_id=category.id,
                                    nominator_id=nominator.id)
            db.session.add(nomination)
        if (nomination.nominee_id, nomination.citation) != (nominee_id, citation):
            # A changed nomination is reviewed again before anything of it is published.
            nomination.public_citation = nomination.reviewed_at = None
            nomination.reviewed_by_id = None
        nomination.nominee_id, nomination.citation = nominee_id, citation
        nomination.locale = locale
    record(nominator, "nomination.saved", nomination, category=category.code)
    if first_time:
        nominee = db.session.get(User, nominee_id)
        send_email(nominee.email, _l("You have been nominated"), "award_nominated",
                   locale=nominee.locale, user=nominee, cycle=cycle)
    return nomination


def decline(user, cycle_id):
    """A nominee asks not to be considered: off the shortlist and out of anything public."""
    cycle = db.session.get(AwardCycle, cycle_id)
    if cycle is None:
        raise AwardError(_l("This award cycle does not exist."))
    # Declining twice (a double click) keeps the one row the unique (cycle, person) allows.
    add_once(Decline(cycle_id=cycle.id, user_id=user.id))
    db.session.execute(db.delete(PublicConsent).where(
        PublicConsent.cycle_id == cycle.id, PublicConsent.user_id == user.id))
    for entry in db.session.scalars(select(Shortlisted).join(AwardCategory).where(
            AwardCategory.cycle_id == cycle.id, Shortlisted.nominee_id == user.id)):
        db.session.delete(entry)
    for category in cycle.categories:
        if category.winner_id == user.id:
            category.winner_id = None
    record(user, "nomination.declined", cycle)


# Shortlist and votes -----------------------------------------------------------------


def nominations_by_nominee(cycle):
    """Per category, per nominee: (nominee, count, citations), most nominated first; people
    who declined, or whose account is disabled or erased, are left out."""
    rows = db.session.scalars(
        select(Nomination).options(db.joinedload(Nomination.nominee))
        .join(User, User.id == Nomination.nominee_id)
        .where(Nomination.cycle_id == cycle.id, named_account())
        .order_by(Nomination.created_at, Nomination.id)).all()
    declined = set(db.session.scalars(select(Decline.user_id).where(
        Decline.cycle_id == cycle.id)))
    grouped = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.nominee_id not in declined:
            grouped[row.category_id][row.nominee_id].append(row)
    return {category_id: sorted(((items[0].nominee, len(items), items)
                                 for items in by_nominee.values()),
                                key=lambda t: (-t[1], t[0].name))
            for category_id, by_nominee in grouped.items()}


def shortlist(actor, category_id, nominee_ids):
    category = db.session.get(AwardCategory, category_id)
    if category is None or not category.cycle.is_shortlisting:
        raise AwardError(_l("The shortlist can be changed while shortlisting only."))
    nominee_ids = sorted(set(nominee_ids))
    if len(nominee_ids) > category.cycle.shortlist_size:
        raise AwardError(_l("At most %(num)d per category.", num=category.cycle.shortlist_size))
    nominated = set(db.session.scalars(select(Nomination.nominee_id).join(
        User, User.id == Nomination.nominee_id).where(
        Nomination.category_id == category.id, named_account())))
    if not set(nominee_ids) <= nominated or any(
            has_declined(category.cycle_id, n) for n in nominee_ids):
        raise AwardError(_l("Only nominees of this category who did not decline can be "
                            "shortlisted."))
    for entry in db.session.scalars(select(Shortlisted).where(
            Shortlisted.category_id == category.id)):
        db.session.delete(entry)
    db.session.flush()
    for nominee_id in nominee_ids:
        db.session.add(Shortlisted(category_id=category.id, nominee_id=nominee_id))
    record(actor, "award.shortlisted", category, nominees=nominee_ids)


def is_juror(user, cycle):
    return any(j.user_id == user.id for j in cycle.jurors)


def vote(juror, category_id, nominee_id, score, comment=None):
    category = db.session.get(AwardCategory, category_id) if category_id else None
    if category is None or not category.cycle.is_voting:
        raise AwardError(_l("Voting is not open."))
    cycle = category.cycle
    if not is_juror(juror, cycle):
        raise AwardError(_l("Only jurors vote."))
    if not db.session.scalar(select(Shortlisted.id).join(
            User, User.id == Shortlisted.nominee_id).where(
            Shortlisted.category_id == category.id, Shortlisted.nominee_id == nominee_id,
            named_account())):
        raise AwardError(_l("This person is not on the shortlist."))
    if nominee_id == juror.id:
        raise AwardError(_l("You cannot vote for yourself."))
    if db.session.scalar(select(Nomination.id).where(
            Nomination.cycle_id == cycle.id, Nomination.nominator_id == juror.id,
            Nomination.nominee_id == nominee_id)):
        raise AwardError(_l("You nominated this person, so you do not vote on them."))
    if not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise AwardError(_l("A score from %(min)d to %(max)d, please.", min=SCORE_MIN,
                            max=SCORE_MAX), "score")
    if not add_once(Vote(category_id=category.id, nominee_id=nominee_id, juror_id=juror.id,
                         score=score, comment=(comment or "").strip() or None)):
        raise AwardError(_l("You already voted on this person."))
    record(juror, "award.voted", category, nominee_id=nominee_id)


def tally(category):
    """Mean score per shortlisted nominee; ties broken by number of nominations, then by
    the chair's recorded choice. Returns rows, the winner and whether the chair must choose."""
    votes = db.session.execute(
        select(Vote.nominee_id, func.avg(Vote.score), func.count(Vote.id))
        .where(Vote.category_id == category.id).group_by(Vote.nominee_id)).all()
    nominations = dict(db.session.execute(
        select(Nomination.nominee_id, func.count(Nomination.id))
        .where(Nomination.category_id == category.id).group_by(Nomination.nominee_id)).all())
    shortlisted = set(db.session.scalars(select(Shortlisted.nominee_id).where(
        Shortlisted.category_id == category.id)))
    rows = sorted(((nominee_id, float(mean), count, nominations.get(nominee_id, 0))
                   for nominee_id, mean, count in votes if nominee_id in shortlisted),
                  key=lambda r: (-r[1], -r[3]))
    if not rows:
        return {"rows": [], "winner_id": None, "needs_chair": False, "tied": []}
    best = rows[0]
    tied = [r[0] for r in rows if (r[1], r[3]) == (best[1], best[3])]
    if len(tied) == 1:
        return {"rows": rows, "winner_id": best[0], "needs_chair": False, "tied": []}
    if category.tie_break_winner_id in tied:
        return {"rows": rows, "winner_id": category.tie_break_winner_id, "needs_chair": False,
                "tied": tied}
    return {"rows": rows, "winner_id": None, "needs_chair": True, "tied": tied}


def chair_decides(actor, category_id, nominee_id, reason):
    category = db.session.get(AwardCategory, category_id)
    if category is None or category.cycle.chair_id != actor.id:
        raise AwardError(_l("Only the jury's chair breaks a tie."))
    reason = (reason or "").strip()
    if not reason:
        raise AwardError(_l("Please give the reason for the choice."), "reason")
    if nominee_id not in tally(category)["tied"]:
        raise AwardError(_l("Choose one of the tied nominees."))
    category.tie_break_winner_id, category.tie_break_reason = nominee_id, reason
    record(actor, "award.tie_broken", category, reason, nominee_id=nominee_id)
