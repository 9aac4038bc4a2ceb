"""Open work that waits on someone who can no longer act on it: a coordinator whose
account was disabled or erased asked an applicant a question, proposed a buddy or
chairs an award jury, or a matched person can no longer log in. The coordinator's home
lists it as "needs a new owner", and another coordinator takes it over."""

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, contains_eager

from ..accounts.models import User
from ..audit.services import record
from ..awards.models import ANNOUNCED, AwardCycle
from ..checkins.flags import flagged_matches_query, open_flag_count
from ..database import locked_one
from ..errors import DomainError
from ..extensions import db
from ..i18n import text_direction
from ..matching.models import ACTIVE as MATCH_ACTIVE
from ..matching.models import PROPOSED, Match
from ..reports import figures
from ..volunteering.models import OPEN_APPLICATION_STATES, Application


class OwnerError(DomainError):
    """A take-over refused: the work has an owner who can act, or is done."""


def cannot_act(person):
    """SQL: ``person`` (a User or an alias of it) can no longer log in."""
    return or_(person.is_enabled.is_(False), person.erased_at.is_not(None))


def is_gone(person):
    """``person`` can no longer log in (disabled or erased); None counts as nobody."""
    return person is not None and (not person.is_enabled or person.is_erased)


@dataclass
class NeedsNewOwner:
    applications: list  # open applications; .decided_by asked the question, .user applies
    proposals: list  # (Match, the coordinator who proposed it) pairs, still proposed
    cycles: list  # award cycles not announced, .chair gone
    matches: list  # active matches whose volunteer or newcomer is gone

    @property
    def count(self):
        return (len(self.applications) + len(self.proposals) + len(self.cycles)
                + len(self.matches))


def needing_new_owner():
    """Everything that needs a new owner, in four queries however much there is."""
    owner, applicant = aliased(User), aliased(User)
    applications = db.session.scalars(
        select(Application)
        .join(owner, Application.decided_by).join(applicant, Application.user)
        .where(Application.status.in_(OPEN_APPLICATION_STATES), cannot_act(owner))
        .options(contains_eager(Application.decided_by.of_type(owner)),
                 contains_eager(Application.user.of_type(applicant)))
        .order_by(Application.submitted_at, Application.id)).all()
    proposer, volunteer, newcomer = aliased(User), aliased(User), aliased(User)
    proposals = db.session.execute(
        select(Match, proposer)
        .join(proposer, proposer.id == Match.proposed_by_id)
        .join(volunteer, Match.volunteer).join(newcomer, Match.newcomer)
        .where(Match.status == PROPOSED, cannot_act(proposer))
        .options(contains_eager(Match.volunteer.of_type(volunteer)),
                 contains_eager(Match.newcomer.of_type(newcomer)))
        .order_by(Match.created_at, Match.id)).all()
    chair = aliased(User)
    cycles = db.session.scalars(
        select(AwardCycle).join(chair, AwardCycle.chair)
        .where(AwardCycle.state != ANNOUNCED, cannot_act(chair))
        .options(contains_eager(AwardCycle.chair.of_type(chair)))
        .order_by(AwardCycle.year)).all()
    volunteer, newcomer = aliased(User), aliased(User)
    matches = db.session.scalars(
        select(Match).join(volunteer, Match.volunteer).join(newcomer, Match.newcomer)
        .where(Match.status == MATCH_ACTIVE, or_(cannot_act(volunteer), cannot_act(newcomer)))
        .options(contains_eager(Match.volunteer.of_type(volunteer)),
                 contains_eager(Match.newcomer.of_type(newcomer)))
        .order_by(Match.activated_at, Match.id)).all()
    return NeedsNewOwner(applications=applications, proposals=[tuple(row) for row in proposals],
                         cycles=cycles, matches=matches)


NO_LONGER = _l("This no longer needs a new owner.")


def take_over_application(actor, application_id):
    """``actor`` becomes the coordinator an open application waits on, in place of one
    who can no longer log in."""
    application = locked_one(Application, application_id)
    if application is None or not application.is_open or not is_gone(application.decided_by):
        raise OwnerError(NO_LONGER)
    if application.user_id == actor.id:
        raise OwnerError(_l("You cannot take over your own application: please ask another "
                            "coordinator."))
    previous = application.decided_by_id
    application.decided_by_id = actor.id
    record(actor, "application.taken_over", application, previous_owner_id=previous)
    return application


def take_over_proposal(actor, match_id):
    """``actor`` becomes the coordinator told about a buddy proposal's answers, in place of
    the one who proposed it and can no longer log in."""
    match = locked_one(Match, match_id)
    if match is None or not match.is_proposed or match.proposed_by_id is None:
        raise OwnerError(NO_LONGER)
    proposer = db.session.get(User, match.proposed_by_id)
    if not is_gone(proposer):
        raise OwnerError(NO_LONGER)
    match.proposed_by_id = actor.id
    record(actor, "match.taken_over", match, previous_owner_id=proposer.id)
    return match


# Matches flagged by check-ins --------------------------------------------------------

# The dashboard lists this many flagged matches, the longest-flagged first.
OLDEST_FLAGGED_SHOWN = 5


@dataclass
class Attention:
    count: int  # matches with an open flag
    oldest: list  # the OLDEST_FLAGGED_SHOWN longest-flagged, with their open flags


def needing_attention():
    """Matches with an open early-warning flag: how many, and the oldest (fixed queries)."""
    return Attention(count=open_flag_count(), oldest=db.session.scalars(
        flagged_matches_query().limit(OLDEST_FLAGGED_SHOWN)).all())


def effects_summary(year):
    """The programme's effects in ``year`` as the public sees them (small groups hidden),
    laid out for reports/_effects.html: one query."""
    rtl = text_direction(str(get_locale())) == "rtl"
    return figures.effects_page(figures.published_effects(year), rtl, year=year)
