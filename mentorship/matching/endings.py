"""Nothing stuck: a coordinator withdraws a proposal or closes a request, a newcomer closes
their own, and a volunteer whose commitment ended under an active match renews or ends it."""

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from ..accounts.models import User
from ..audit.services import record
from ..database import locked, locked_one, utcnow
from ..dates import programme_today
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..signals import match_ended
from ..volunteering.models import ACTIVE as COMMITMENT_ACTIVE
from ..volunteering.models import Commitment
from .models import (
    ACTIVE,
    CLOSE_REASONS,
    CLOSED,
    COMPLETED,
    ENDED_EARLY,
    PLACE_TAKING_STATES,
    PROPOSED,
    WITHDRAWN,
    BuddyRequest,
    Match,
)
from .services import MatchingError, _newcomer_reason, _tell, cancel_request, end_match

# Withdrawing and closing ----------------------------------------------------------------


def withdraw_proposal(actor, match_id, note=None):
    """A coordinator withdraws a proposal nobody has finished answering: both people are
    told, and the request (still open) may get a new proposal, the same volunteer included.

    Locks the request, then the match (the order ``respond`` uses): a withdrawal and the
    acceptance that would start the match never both succeed."""
    found = db.session.get(Match, match_id)
    if found is None:
        raise MatchingError(_l("This proposal does not exist."))
    locked_one(BuddyRequest, found.request_id)
    match = locked_one(Match, match_id)
    if match.is_active:
        raise MatchingError(_l("Both people have already accepted: the match is active. "
                               "End the match instead if it must stop."))
    if not match.is_proposed:
        raise MatchingError(_l("This proposal is no longer waiting for answers: it was "
                               "declined or withdrawn already."))
    note = (note or "").strip() or None
    match.status, match.declined_by, match.decline_note = WITHDRAWN, "coordinator", note
    match.ended_at = utcnow()
    record(actor, "match.withdrawn", match, note, request_id=match.request_id,
           volunteer_id=match.volunteer_id)
    _tell(match, (match.volunteer, match.newcomer), _l("A buddy proposal was withdrawn"),
          "match_withdrawn")
    return match


def close_request(actor, request_id, reason, note=None):
    """A coordinator closes an open or matched request with a reason. A proposal waiting
    for answers is withdrawn and an active match ends with that reason; the volunteer is
    told either way."""
    if reason not in CLOSE_REASONS:
        raise MatchingError(_l("Please choose a reason."), "reason")
    request = locked_one(BuddyRequest, request_id)
    if request is None:
        raise MatchingError(_l("This request does not exist."))
    return _close_request(actor, request, reason, note, by="coordinator")


def close_own_request(user, request_id, reason, note=None):
    """A newcomer closes their own open request (``cancel_request``) or matched one (its
    match ends and the volunteer is told), saying why."""
    reason = _newcomer_reason(reason, required=True)
    request = locked_one(BuddyRequest, request_id)
    if request is None or request.user_id != user.id:
        raise MatchingError(_l("This request does not exist."))
    if request.is_open:
        return cancel_request(user, request.id, reason, note)
    return _close_request(user, request, reason, note, by="newcomer")


def _close_request(actor, request, reason, note, by):
    if not request.is_current:
        raise MatchingError(_l("This request is already closed."))
    note = (note or "").strip() or None
    # The request is locked; its live matches too, before they change (request, then
    # matches: the order respond and withdraw_proposal use).
    live = locked(select(Match).where(Match.request_id == request.id,
                                      Match.status.in_(PLACE_TAKING_STATES))).scalars().all()
    now = utcnow()
    for match in live:
        if match.is_proposed:
            match.status, match.declined_by, match.ended_at = WITHDRAWN, by, now
            match.decline_reason = reason
        else:
            match.status, match.ended_at, match.end_reason = ENDED_EARLY, now, reason
            match_ended.send(match)
        record(actor, "match.closed_with_request", match, reason=reason, was=(
            PROPOSED if match.status == WITHDRAWN else ACTIVE))
        _tell(match, (match.volunteer,), _l("A buddy request has been closed"),
              "request_closed", reason=reason)
    request.status, request.current_role, request.closed_at = CLOSED, None, now
    request.close_reason, request.close_note = reason, note
    record(actor, "buddy_request.closed", request, note, reason=reason, by=by)
    return request


# Commitments that ended under an active match -------------------------------------------


def needs_decision(today):
    """SQL: an active match whose volunteer's commitment is no longer active (completed or
    ended early): the volunteer should renew or end the match (joins Commitment)."""
    return and_(Match.status == ACTIVE,
                or_(Commitment.status != COMMITMENT_ACTIVE, Commitment.end_date <= today))


@dataclass(frozen=True)
class Decision:
    """An active match waiting for its volunteer to renew their commitment or end it."""

    match: Match
    may_renew: bool

    @property
    def commitment(self):
        return self.match.commitment

    @property
    def ended_on(self):
        commitment = self.commitment
        return commitment.ended_on or commitment.completed_on or commitment.end_date


def matches_needing_decision(user_id, today=None):
    """The volunteer's active matches whose commitment has completed or ended (the prompt
    on /volunteer and on the match page), each saying whether renewing is possible."""
    from ..volunteering.services import may_renew

    today = today or programme_today()
    matches = db.session.scalars(
        select(Match).join(Commitment, Commitment.id == Match.commitment_id)
        .options(db.contains_eager(Match.commitment).selectinload(Commitment.renewals),
                 db.joinedload(Match.newcomer), db.joinedload(Match.request))
        .where(Match.volunteer_id == user_id, needs_decision(today))
        .order_by(Match.activated_at, Match.id)).unique().all()
    user = db.session.get(User, user_id)
    return [Decision(match, may_renew(user, match.commitment, today)) for match in matches]


def decision_for(match, user, today=None):
    """The Decision ``user`` has to make about ``match`` (None when there is none): only
    its volunteer, only while it is active and their commitment is not."""
    from ..volunteering.services import may_renew

    today = today or programme_today()
    if match.volunteer_id != user.id or not match.is_active or match.commitment.is_active_on(
            today):
        return None
    return Decision(match, may_renew(user, match.commitment, today))


def needing_decision_count(today=None):
    """How many active matches wait for their volunteer's decision (the dashboard)."""
    today = today or programme_today()
    return db.session.scalar(
        select(func.count()).select_from(Match)
        .join(Commitment, Commitment.id == Match.commitment_id).where(needs_decision(today)))


def end_match_as_volunteer(user, match_id, reason, note=None, reopen=False, today=None):
    """The volunteer of a match waiting for their decision ends it (``end_match``): it is
    completed when their commitment was, ended early otherwise."""
    today = today or programme_today()
    match = db.session.get(Match, match_id)
    if match is None or match.volunteer_id != user.id:
        raise MatchingError(_l("This match does not exist."))
    commitment = locked_one(Commitment, match.commitment_id)
    if not match.is_active:
        raise MatchingError(_l("Only an active match can be ended."))
    if commitment.is_active_on(today):
        raise MatchingError(_l("Your commitment is active: to stop, please write to the "
                               "programme team."))
    outcome = COMPLETED if commitment.is_completed_on(today) else ENDED_EARLY
    return end_match(user, match.id, outcome, reason, note, reopen=reopen)

