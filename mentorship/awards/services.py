"""The annual award: cycles and their dated states, nominations, declines, shortlists,
jury votes with conflict rules, the tally with its tie-breaks, the announcement."""

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import func, select

from ..accounts.models import User
from ..audit.services import record
from ..database import add_once, folded, locked_one, unique_or, utcnow
from ..errors import DomainError
from ..extensions import db
from ..mail import send_email
from ..volunteering.models import ACTIVE, COMPLETED, Commitment
from .models import (
    ANNOUNCED,
    CEREMONY_HOURS,
    CITATION_MAX,
    CITATION_MIN,
    DEFAULT_CATEGORIES,
    NEXT_STATE,
    NOMINATIONS_OPEN,
    SCORE_MAX,
    SCORE_MIN,
    SHORT_CITATION,
    SHORTLISTING,
    VOTING,
    AwardCategory,
    AwardCycle,
    Decline,
    Juror,
    Nomination,
    Shortlisted,
    Vote,
)

NOMINEE_RESULTS = 20
# Commitments that count as having volunteered in a year.
SERVED_STATES = (ACTIVE, COMPLETED)


class AwardError(DomainError):
    """A change to the award (cycle, nomination, shortlist, vote) the rules refuse."""


# Cycles ------------------------------------------------------------------------------


def create_cycle(actor, **fields):
    if db.session.scalar(select(AwardCycle.id).where(AwardCycle.year == fields["year"])):
        raise AwardError(_l("There is already an award cycle for this year."), "year")
    _check_dates(fields)
    cycle = AwardCycle(**fields)
    cycle.categories = [AwardCategory(code=code, role=role, newcomers_only=only, position=i)
                        for i, (code, role, only) in enumerate(DEFAULT_CATEGORIES)]
    db.session.add(cycle)
    db.session.flush()
    record(actor, "award_cycle.created", cycle)
    return cycle


def update_cycle(actor, cycle, **fields):
    _check_dates(fields)
    for name, value in fields.items():
        setattr(cycle, name, value)
    record(actor, "award_cycle.updated", cycle)
    return cycle


def _check_dates(fields):
    if fields["nominations_close_on"] < fields["nominations_open_on"]:
        raise AwardError(_l("Nominations must close after they open."), "nominations_close_on")
    if fields["voting_deadline"] <= fields["nominations_close_on"]:
        raise AwardError(_l("The voting deadline must come after nominations close."),
                         "voting_deadline")


def set_jury(actor, cycle, user_ids, chair_id):
    """Name the jury and its chair (who must be one of them)."""
    chosen = set(user_ids)
    if chair_id and chair_id not in chosen:
        raise AwardError(_l("The chair must be one of the jurors."), "chair")
    # Jurors who stay keep their row: a new row for the same person would be inserted
    # before the old one is deleted, and the unique (cycle, person) would refuse it.
    kept = [juror for juror in cycle.jurors if juror.user_id in chosen]
    added = chosen - {juror.user_id for juror in kept}
    cycle.jurors = kept + [Juror(user_id=uid) for uid in sorted(added)]
    cycle.chair_id = chair_id
    record(actor, "award_cycle.jury_set", cycle, jurors=sorted(chosen))


def advance(actor, cycle_id, today):
    """Move the cycle to its next state, on a coordinator's action, if the dates allow."""
    cycle = locked_one(AwardCycle, cycle_id)
    target = NEXT_STATE.get(cycle.state)
    if target is None:
        raise AwardError(_l("The winners are already announced."))
    if target == NOMINATIONS_OPEN and not (
            cycle.nominations_open_on <= today <= cycle.nominations_close_on):
        raise AwardError(_l("Nominations can open from %(start)s to %(end)s.",
                            start=cycle.nominations_open_on.isoformat(),
                            end=cycle.nominations_close_on.isoformat()))
    if target == SHORTLISTING and today <= cycle.nominations_close_on:
        raise AwardError(_l("Nominations stay open until %(date)s.",
                            date=cycle.nominations_close_on.isoformat()))
    if target == VOTING:
        if not cycle.jurors:
            raise AwardError(_l("Name the jury first."))
        if not db.session.scalar(select(func.count()).select_from(Shortlisted).join(
                AwardCategory).where(AwardCategory.cycle_id == cycle.id)):
            raise AwardError(_l("Shortlist at least one nominee first."))
        if cycle.voting_closed(today):
            raise AwardError(_l("The voting deadline (%(date)s) has passed. Change it first.",
                                date=cycle.voting_deadline.isoformat()))
    if target == ANNOUNCED:
        if not cycle.voting_closed(today):
            raise AwardError(_l("Voting is open until %(date)s.",
                                date=cycle.voting_deadline.isoformat()))
        unresolved = [c.label for c in cycle.categories if tally(c)["needs_chair"]]
        if unresolved:
            raise AwardError(_l("A tie needs the chair's choice: %(categories)s.",
                                categories=", ".join(str(u) for u in unresolved)))
        for category in cycle.categories:
            category.winner_id = tally(category)["winner_id"]
    cycle.state = target
    record(actor, f"award_cycle.{target}", cycle)
    if target == ANNOUNCED:
        invite_to_ceremony(cycle)
    return cycle


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
    return db.session.scalar(select(AwardCycle).where(AwardCycle.state != ANNOUNCED)
                             .order_by(AwardCycle.year.desc()).limit(1))


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


def eligible_nominees(cycle, query, limit=NOMINEE_RESULTS):
    """Volunteers of the cycle's year whose name contains ``query``, except those who
    declined."""
    declined = select(Decline.user_id).where(Decline.cycle_id == cycle.id)
    return db.session.scalars(
        select(User).join(Commitment, Commitment.user_id == User.id)
        .where(_served_during(cycle.year), ~User.id.in_(declined),
               folded(User.name).like(f"%{(query or '').strip().casefold()}%"))
        .order_by(User.name).distinct().limit(limit)).all()


def eligible_nominee(cycle, user_id):
    """The person with this id if they may be nominated in this cycle (served in its
    year and did not decline), else None: no one else's name is ever shown."""
    return db.session.scalar(
        select(User).join(Commitment, Commitment.user_id == User.id)
        .where(User.id == user_id, _served_during(cycle.year),
               ~User.id.in_(select(Decline.user_id).where(Decline.cycle_id == cycle.id)))
        .limit(1))


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
    for entry in db.session.scalars(select(Shortlisted).join(AwardCategory).where(
            AwardCategory.cycle_id == cycle.id, Shortlisted.nominee_id == user.id)):
        db.session.delete(entry)
    for category in cycle.categories:
        if category.winner_id == user.id:
            category.winner_id = None
    record(user, "nomination.declined", cycle)


# Shortlist and votes -----------------------------------------------------------------


def nominations_by_nominee(cycle):
    """Per category, per nominee: (nominee, count, citations), most nominated first."""
    rows = db.session.scalars(
        select(Nomination).options(db.joinedload(Nomination.nominee))
        .where(Nomination.cycle_id == cycle.id).order_by(Nomination.created_at)).all()
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
    nominated = set(db.session.scalars(select(Nomination.nominee_id).where(
        Nomination.category_id == category.id)))
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
    if not db.session.scalar(select(Shortlisted.id).where(
            Shortlisted.category_id == category.id, Shortlisted.nominee_id == nominee_id)):
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


def ceremony_ics(cycle):
    calendar = Calendar()
    calendar.add("prodid", "-//mentorship//awards//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"award-ceremony-{cycle.year}@mentorship")
    event.add("dtstamp", utcnow().replace(tzinfo=ZoneInfo("UTC")))
    start = cycle.ceremony_at.replace(tzinfo=ZoneInfo("UTC"))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=CEREMONY_HOURS))
    event.add("summary", str(_l("Volunteer award ceremony %(year)d", year=cycle.year)))
    event.add("location", cycle.ceremony_place)
    calendar.add_component(event)
    return calendar.to_ical()


def invite_to_ceremony(cycle):
    """Every shortlisted nominee who did not decline receives an invitation with an .ics."""
    people = db.session.scalars(select(User).join(Shortlisted, Shortlisted.nominee_id == User.id)
                                .join(AwardCategory).where(AwardCategory.cycle_id == cycle.id)
                                .distinct()).all()
    ics = ceremony_ics(cycle)
    for person in people:
        send_email(person.email, _l("Invitation to the volunteer award ceremony"),
                   "award_invitation", locale=person.locale, user=person, cycle=cycle,
                   attachments=[("ceremony.ics", ics, "text", "calendar")])


# Public page -------------------------------------------------------------------------


def public_results(cycle):
    """Winners and shortlisted nominees who did not decline, with short citations."""
    declined = set(db.session.scalars(select(Decline.user_id).where(
        Decline.cycle_id == cycle.id)))
    results = []
    for category in cycle.categories:
        shortlisted = db.session.scalars(select(Shortlisted).options(
            db.joinedload(Shortlisted.nominee)).where(Shortlisted.category_id == category.id)
        ).all()
        people = []
        for entry in shortlisted:
            if entry.nominee_id in declined:
                continue
            citation = db.session.scalar(select(Nomination.citation).where(
                Nomination.category_id == category.id,
                Nomination.nominee_id == entry.nominee_id).order_by(Nomination.id).limit(1))
            short = (citation if len(citation or "") <= SHORT_CITATION
                     else citation[:SHORT_CITATION - 3].rstrip() + "…")
            people.append({"name": entry.nominee.name, "citation": short,
                           "winner": entry.nominee_id == category.winner_id})
        people.sort(key=lambda p: (not p["winner"], p["name"]))
        results.append((category, people))
    return results
