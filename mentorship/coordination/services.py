"""Open work that waits on someone who can no longer act on it: a coordinator whose
account was disabled or erased asked an applicant a question, proposed a buddy or
chairs an award jury, or a matched person can no longer log in. The coordinator's home
lists it as "needs a new owner", and another coordinator takes it over."""

from dataclasses import dataclass

from flask_babel import get_locale
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, lazyload

from ..accounts.models import User
from ..audit.services import record
from ..database import locked_one
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..i18n import text_direction
from ..matching.models import ACTIVE as MATCH_ACTIVE
from ..matching.models import PROPOSED, Match, MatchFlag
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


# The home lists at most this many of each kind of work needing a new owner, the oldest
# first (the figure counts them all): taking one over brings the next into the list.
NEW_OWNER_SHOWN = 5


@dataclass
class NeedsNewOwner:
    applications: list  # open applications; .decided_by asked the question, .user applies
    proposals: list  # (Match, the coordinator who proposed it) pairs, still proposed
    cycles: list  # award cycles not announced, .chair gone
    matches: list  # active matches whose volunteer or newcomer is gone
    totals: dict  # how many of each kind there are ("applications", …): lists are cut

    @property
    def count(self):
        return sum(self.totals.values())

    def more(self, kind):
        """How many of ``kind`` are not listed."""
        return self.totals[kind] - len(getattr(self, kind))


def needing_new_owner(cycles, shown=NEW_OWNER_SHOWN):
    """Everything that needs a new owner (the ``shown`` oldest of each kind, and how many
    there are), in two queries however much there is; ``cycles``: the open award cycles
    with their chairs (``dashboard.open_cycles``)."""
    owner, applicant = aliased(User), aliased(User)
    rows = db.session.execute(
        select(Application, func.count().over().label("total"))
        .join(owner, Application.decided_by).join(applicant, Application.user)
        .where(Application.status.in_(OPEN_APPLICATION_STATES), cannot_act(owner))
        .options(contains_eager(Application.decided_by.of_type(owner)).lazyload(owner.roles),
                 contains_eager(Application.user.of_type(applicant)).lazyload(applicant.roles))
        .order_by(Application.submitted_at, Application.id).limit(shown)).all()
    applications = [application for application, _total in rows]
    totals = {"applications": rows[0].total if rows else 0}
    # Proposals whose proposer is gone and active matches whose volunteer or newcomer is
    # gone: one query, the oldest ``shown`` of each, split below.
    proposer, volunteer, newcomer = aliased(User), aliased(User), aliased(User)
    since = case((Match.status == PROPOSED, Match.created_at), else_=Match.activated_at)
    ranked = (
        select(Match.id, func.row_number().over(partition_by=Match.status,
                                                order_by=(since, Match.id)).label("n"),
               func.count().over(partition_by=Match.status).label("total"))
        .outerjoin(proposer, proposer.id == Match.proposed_by_id)
        .join(volunteer, Match.volunteer).join(newcomer, Match.newcomer)
        .where(Match.status.in_((PROPOSED, MATCH_ACTIVE)),  # the index on status
               or_(and_(Match.status == PROPOSED, cannot_act(proposer)),
                   and_(Match.status == MATCH_ACTIVE,
                        or_(cannot_act(volunteer), cannot_act(newcomer)))))
        .subquery())
    proposer, volunteer, newcomer = aliased(User), aliased(User), aliased(User)
    rows = db.session.execute(
        select(Match, proposer, ranked.c.total)
        .join(ranked, and_(ranked.c.id == Match.id, ranked.c.n <= shown))
        .outerjoin(proposer, proposer.id == Match.proposed_by_id)
        .join(volunteer, Match.volunteer).join(newcomer, Match.newcomer)
        .options(contains_eager(Match.volunteer.of_type(volunteer)).lazyload(volunteer.roles),
                 contains_eager(Match.newcomer.of_type(newcomer)).lazyload(newcomer.roles),
                 lazyload(proposer.roles))
        .order_by(ranked.c.n)).all()
    proposals = [(match, person) for match, person, _total in rows
                 if match.status == PROPOSED]
    matches = [match for match, _person, _total in rows if match.status == MATCH_ACTIVE]
    for kind, status in (("proposals", PROPOSED), ("matches", MATCH_ACTIVE)):
        totals[kind] = next((total for match, _person, total in rows
                             if match.status == status), 0)
    gone_chairs = sorted((cycle for cycle in cycles if is_gone(cycle.chair)),
                         key=lambda cycle: cycle.year)
    totals["cycles"] = len(gone_chairs)
    return NeedsNewOwner(applications=applications, proposals=proposals,
                         cycles=gone_chairs[:shown], matches=matches, totals=totals)


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
    oldest: list  # (match, its oldest open flag): the OLDEST_FLAGGED_SHOWN longest-flagged


def needing_attention(count):
    """The longest-flagged matches, each with its oldest open flag and its two people, in
    one query; ``count``: how many matches have an open flag (the dashboard's figures)."""
    first = select(MatchFlag.id, MatchFlag.match_id, MatchFlag.raised_at,
                   func.row_number().over(partition_by=MatchFlag.match_id,
                                          order_by=(MatchFlag.raised_at, MatchFlag.id))
                   .label("n")).where(MatchFlag.resolved_at.is_(None)).subquery()
    volunteer, newcomer = aliased(User), aliased(User)
    rows = db.session.execute(
        select(Match, MatchFlag)
        .join(first, and_(first.c.match_id == Match.id, first.c.n == 1))
        .join(MatchFlag, MatchFlag.id == first.c.id)
        .join(volunteer, Match.volunteer).join(newcomer, Match.newcomer)
        .options(contains_eager(Match.volunteer.of_type(volunteer)).lazyload(volunteer.roles),
                 contains_eager(Match.newcomer.of_type(newcomer)).lazyload(newcomer.roles))
        .order_by(first.c.raised_at, Match.id).limit(OLDEST_FLAGGED_SHOWN)).all()
    return Attention(count=count, oldest=[tuple(row) for row in rows])


def effects_summary(year, effects=None):
    """The programme's effects in ``year`` as the public sees them (small groups hidden),
    laid out for reports/_effects.html: one query, none when ``effects`` (the published
    effects, ``figures.published_effects``) are given."""
    rtl = text_direction(str(get_locale())) == "rtl"
    if effects is None:
        effects = figures.published_effects(year)
    return figures.effects_page(effects, rtl, year=year)
