"""Award cycles: their dates, the jury, moving through the states, and the announcement
(with the ceremony invitation)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import func, select

from ..accounts.models import User
from ..audit.services import record
from ..database import locked_one, utcnow
from ..extensions import db
from ..formatting import format_day
from ..i18n import lazy_gettext as _l
from ..mail import send_email
from .models import (
    ANNOUNCED,
    CEREMONY_HOURS,
    DEFAULT_CATEGORIES,
    NEXT_STATE,
    NOMINATIONS_OPEN,
    SHORTLISTING,
    VOTING,
    AwardCategory,
    AwardCycle,
    Juror,
    Shortlisted,
)
from .services import AwardError, tally


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
                            start=format_day(cycle.nominations_open_on, "long"),
                            end=format_day(cycle.nominations_close_on, "long")))
    if target == SHORTLISTING and today <= cycle.nominations_close_on:
        raise AwardError(_l("Nominations stay open until %(date)s.",
                            date=format_day(cycle.nominations_close_on, "long")))
    if target == VOTING:
        if not cycle.jurors:
            raise AwardError(_l("Name the jury first."))
        if not db.session.scalar(select(func.count()).select_from(Shortlisted).join(
                AwardCategory).where(AwardCategory.cycle_id == cycle.id)):
            raise AwardError(_l("Shortlist at least one nominee first."))
        if cycle.voting_closed(today):
            raise AwardError(_l("The voting deadline (%(date)s) has passed. Change it first.",
                                date=format_day(cycle.voting_deadline, "long")))
    if target == ANNOUNCED:
        if not cycle.voting_closed(today):
            raise AwardError(_l("Voting is open until %(date)s.",
                                date=format_day(cycle.voting_deadline, "long")))
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
