"""Erasing a person: their request, its confirmation, and the anonymisation itself.

``erase`` first removes the person from the audit log (``redact_audit``, while every
row of theirs still exists), then ends what they take part in (matches and commitments
with the reason "left the programme", open requests and applications, unused passes,
future training seats, nominations and votes of award cycles not yet announced, juries,
sign-ins), then anonymises what stays. Facts without a name that published figures
count (hours, dates, statuses, certificates, matches, passes) stay, so the figures do
not change.

Check-ins are the person's own words about their life: theirs are deleted with their
answers (``_erase_checkins``, after the anonymisation), so this year's live effects count
them no more (published reports are frozen). The flags on their matches stay, for the
counts, without the coordinator's note of what was done; the question wordings they
wrote as a coordinator stay, no longer linked to them.

Lock order on every path: the administrators' role rows, the erasure request, the person.
"""

from sqlalchemy import func, or_, select, update

from ..accounts.models import ADMIN, User, UserRole
from ..audit.services import record
from ..awards.models import (
    ANNOUNCED,
    AwardCategory,
    AwardCycle,
    Decline,
    Nomination,
    PublicConsent,
    Shortlisted,
    Vote,
)
from ..awards.services import leave_open_juries
from ..checkins.models import Checkin, CheckinAnswer, CheckinQuestionVersion
from ..database import add_once, conditional_update, is_sqlite, locked, locked_one, utcnow
from ..dates import programme_today
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_email
from ..matching.models import (
    ACTIVE,
    CLOSED,
    CURRENT_REQUEST_STATES,
    DECLINED,
    ENDED_EARLY,
    OPEN,
    PLACE_TAKING_STATES,
    BuddyRequest,
    Match,
    MatchFlag,
)
from ..matching.models import CANCELLED as REQUEST_CANCELLED
from ..matching.models import LEFT_PROGRAMME as MATCH_LEFT
from ..recognition.models import ISSUED, REVOKED, Pass, Perk
from ..reports.services import forget_winner
from ..signals import match_ended
from ..training.models import CANCELLED as SEAT_CANCELLED
from ..training.models import LIVE_ENROLLMENT_STATES, Enrollment, TrainingSession
from ..volunteering.models import ACTIVE as COMMITMENT_ACTIVE
from ..volunteering.models import COMPLETED as COMMITMENT_COMPLETED
from ..volunteering.models import (
    CURRENT_COMMITMENT_STATES,
    OPEN_APPLICATION_STATES,
    WITHDRAWN,
    Application,
    Commitment,
)
from ..volunteering.models import ENDED_EARLY as COMMITMENT_ENDED_EARLY
from ..volunteering.models import LEFT_PROGRAMME as COMMITMENT_LEFT
from .anonymise import anonymise, redact_audit
from .models import CANCELLED, ERASED, REQUESTED, ErasureRequest


class ErasureError(DomainError):
    """A refused erasure request, cancellation or confirmation."""


ALREADY_ASKED = _l("You have already asked for your account to be erased. A coordinator "
                   "will confirm it; until then you can cancel the request on this page.")
ALREADY_ERASED = _l("This account has already been erased. Nothing more was changed.")
LAST_ADMIN = _l("The programme needs at least one administrator who can log in. Make "
                "someone else an administrator first.")


def waiting_requests_count():
    """Erasure requests a coordinator has not confirmed yet (the dashboard shows it)."""
    return db.session.scalar(select(func.count()).select_from(ErasureRequest)
                             .where(ErasureRequest.status == REQUESTED))


def request_of(user_id):
    """The person's erasure request (any state), or None."""
    return db.session.scalar(select(ErasureRequest).where(ErasureRequest.user_id == user_id))


def waiting_requests(page=1, per_page=25):
    """Requests waiting for a coordinator, oldest first, with the person loaded."""
    query = (select(ErasureRequest).options(db.joinedload(ErasureRequest.user))
             .where(ErasureRequest.status == REQUESTED)
             .order_by(ErasureRequest.requested_at, ErasureRequest.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _locked_request(user_id):
    return locked(select(ErasureRequest).where(ErasureRequest.user_id == user_id)
                  ).scalar_one_or_none()


def _lock_admins():
    # First in the lock order, as accounts.services.remove_role and the admin services do.
    locked(select(UserRole).where(UserRole.role == ADMIN))


def _refuse_last_admin(person):
    """Erasing the only administrator who can log in would lock everyone out of /admin."""
    _lock_admins()
    if ADMIN not in person.role_names or not person.is_enabled:
        return
    enabled_admins = db.session.scalar(
        select(func.count()).select_from(UserRole).join(User, User.id == UserRole.user_id)
        .where(UserRole.role == ADMIN, User.is_enabled.is_(True)))
    if enabled_admins <= 1:
        raise ErasureError(LAST_ADMIN)


def request_erasure(user, password):
    """The person asks, with their password, for their account to be erased (once)."""
    if not password or not user.check_password(password):
        raise ErasureError(_l("This is not your password. Nothing was changed."), "password")
    _refuse_last_admin(user)
    request = _locked_request(user.id)
    if request is not None and request.status != CANCELLED:
        raise ErasureError(ALREADY_ASKED if request.is_waiting else ALREADY_ERASED)
    if request is None:
        request = ErasureRequest(user_id=user.id, status=REQUESTED, requested_at=utcnow())
        if not add_once(request):  # the same request sent twice at once: one row
            raise ErasureError(ALREADY_ASKED)
    else:  # cancelled earlier, asked again: the waiting time starts again
        request.status, request.requested_at = REQUESTED, utcnow()
    record(user, "erasure.requested", request)
    return request


def cancel_erasure(user):
    """The person withdraws their request while it waits."""
    if not conditional_update(update(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.status == REQUESTED)
            .values(status=CANCELLED)):
        raise ErasureError(_l("There is no erasure request waiting, so there is nothing to "
                              "cancel."))
    request = request_of(user.id)
    db.session.refresh(request)
    record(user, "erasure.cancelled", request)
    return request


def confirm(actor, request_id):
    """A coordinator confirms a waiting request: the account is erased, exactly once."""
    _lock_admins()
    request = locked_one(ErasureRequest, request_id)
    if request is None:
        raise ErasureError(_l("This erasure request does not exist."), status=404)
    if request.user_id == actor.id:
        raise ErasureError(_l("You cannot confirm the erasure of your own account: another "
                              "coordinator confirms it, or it happens automatically."))
    if request.status == ERASED:
        raise ErasureError(ALREADY_ERASED)
    if request.status == CANCELLED:
        raise ErasureError(_l("The person cancelled this request. Nothing was erased."))
    return erase(request.user, actor=actor)


def erase(user, actor=None, today=None, still_due=None):
    """Erase ``user``'s account (see the module's docstring). ``actor`` is the coordinator
    who confirmed, or None when `flask privacy purge` did. ``still_due(person)``
    checks, once the rows are locked, that the reason to erase still holds (the purge
    chose the person earlier); it raises ErasureError when it does not."""
    _lock_admins()
    request = _locked_request(user.id)
    person = locked_one(User, user.id)
    if person is None or person.is_erased:
        raise ErasureError(ALREADY_ERASED)
    if still_due is not None:
        still_due(person)
    _refuse_last_admin(person)
    today = today or programme_today()
    redact_audit(person)  # first: ending their participation deletes some of their rows
    ended = _end_participation(person, actor, today)
    db.session.flush()
    anonymise(person)
    ended["checkins"] = _erase_checkins(person)
    now = utcnow()
    if request is None:  # inactive account: the erasure is recorded like a request
        request = ErasureRequest(user_id=person.id, requested_at=now)
        db.session.add(request)
    request.status, request.erased_at = ERASED, now
    request.confirmed_by_id = getattr(actor, "id", None)
    record(actor, "user.erased", person, automatic=actor is None, **ended)
    db.session.flush()
    return person


def _erase_checkins(person):
    """Delete the person's check-ins and answers; keep the flags on their matches (the
    counts) without their resolution notes, and the question wordings they wrote (the
    answers given to them keep them) without their name. Returns how many were deleted.
    After ``anonymise``: the texts of the rows linked to them are scrubbed already."""
    uid = person.id
    db.session.flush()  # the anonymisation's changes, before the rows are expired below
    theirs = select(Checkin.id).where(Checkin.person_id == uid)
    conditional_update(update(MatchFlag).where(MatchFlag.checkin_id.in_(theirs))
                       .values(checkin_id=None))
    conditional_update(update(MatchFlag).where(MatchFlag.match_id.in_(select(Match.id).where(
        or_(Match.volunteer_id == uid, Match.newcomer_id == uid)))).values(resolution=None))
    conditional_update(db.delete(CheckinAnswer).where(CheckinAnswer.checkin_id.in_(theirs)))
    deleted = conditional_update(db.delete(Checkin).where(Checkin.person_id == uid))
    conditional_update(update(CheckinQuestionVersion).where(
        CheckinQuestionVersion.created_by_id == uid).values(created_by_id=None))
    db.session.expire_all()
    return deleted


def _end_participation(person, actor, today):
    """End everything current; returns how many of each were ended (for the audit)."""
    ended = {"matches": _end_matches(person), "requests": 0, "commitments": 0}
    for request in db.session.scalars(select(BuddyRequest).where(
            BuddyRequest.user_id == person.id,
            BuddyRequest.status.in_(CURRENT_REQUEST_STATES))):
        request.status = REQUEST_CANCELLED if request.status == OPEN else CLOSED
        request.current_role, request.closed_at = None, utcnow()
        ended["requests"] += 1
    for commitment in locked(select(Commitment).where(
            Commitment.user_id == person.id,
            Commitment.status.in_(CURRENT_COMMITMENT_STATES))).scalars():
        commitment.current_role = None
        if commitment.status == COMMITMENT_ACTIVE and today >= commitment.end_date:
            # Served by date, not yet recorded by the sweep: it is completed, not ended.
            commitment.status, commitment.completed_on = COMMITMENT_COMPLETED, commitment.end_date
            continue
        commitment.status, commitment.ended_on = COMMITMENT_ENDED_EARLY, today
        commitment.end_reason, commitment.ended_by_id = COMMITMENT_LEFT, getattr(actor, "id", None)
        ended["commitments"] += 1
    ended["applications"] = conditional_update(update(Application).where(
        Application.user_id == person.id, Application.status.in_(OPEN_APPLICATION_STATES))
        .values(status=WITHDRAWN, open_role=None, updated_at=utcnow()))
    # Their unused passes go back to each perk's stock (as a coordinator's revoke does).
    for perk_id, count in db.session.execute(select(Pass.perk_id, func.count()).where(
            Pass.user_id == person.id, Pass.status == ISSUED).group_by(Pass.perk_id)).all():
        conditional_update(update(Perk).where(Perk.id == perk_id).values(
            claimed=func.max(Perk.claimed - count, 0) if is_sqlite() else
            func.greatest(Perk.claimed - count, 0)))
    ended["passes"] = conditional_update(update(Pass).where(
        Pass.user_id == person.id, Pass.status == ISSUED).values(
        status=REVOKED, revoked_at=utcnow(), revoked_by_id=getattr(actor, "id", None)))
    ended["seats"] = _give_up_seats(person)
    ended.update(_withdraw_from_awards(person))
    return ended


def _end_matches(person):
    """Proposals are declined and active matches end early ("left the programme"); a
    newcomer whose volunteer left goes back to the board, and is told by email."""
    ids = db.session.scalars(select(Match.id).where(
        or_(Match.volunteer_id == person.id, Match.newcomer_id == person.id),
        Match.status.in_(PLACE_TAKING_STATES))).all()
    count = 0
    for match_id in ids:
        found = db.session.get(Match, match_id)
        # Same lock order as matching.services.respond: the request, then the match.
        request = locked_one(BuddyRequest, found.request_id)
        match = locked_one(Match, match_id)
        side = match.side_of(person)
        if match.status == ACTIVE:
            match.status, match.ended_at, match.end_reason = ENDED_EARLY, utcnow(), MATCH_LEFT
            match_ended.send(match)  # the other person's end check-in opens now
            if side == "volunteer":
                request.status, request.matched_at = OPEN, None
            other = match.newcomer if side == "volunteer" else match.volunteer
            send_email(other.email, _l("Your buddy match has ended"), "match_ended",
                       locale=other.locale, person=other, match=match)
        elif match.status in PLACE_TAKING_STATES:
            match.status, match.declined_by, match.decline_reason = DECLINED, side, "other"
        else:
            continue
        count += 1
    return count


def _give_up_seats(person):
    """Seats in training sessions not yet started are freed for the waiting list."""
    from ..training.services.sessions import promote_waiting

    enrolments = db.session.scalars(select(Enrollment).join(TrainingSession).where(
        Enrollment.user_id == person.id, Enrollment.status.in_(LIVE_ENROLLMENT_STATES),
        TrainingSession.starts_at > utcnow())).all()
    for enrollment in enrolments:
        session = locked_one(TrainingSession, enrollment.session_id)
        enrollment.status = SEAT_CANCELLED
        db.session.flush()
        promote_waiting(session)
    return len(enrolments)


def _withdraw_from_awards(person):
    """Out of every award cycle not yet announced (nominations given and received, the
    shortlist, votes, the jury and its chair) and off every public winners' page."""
    uid = person.id
    open_cycles = select(AwardCycle.id).where(AwardCycle.state != ANNOUNCED)
    open_categories = select(AwardCategory.id).where(AwardCategory.cycle_id.in_(open_cycles))
    juries = leave_open_juries(person)
    nominations = conditional_update(db.delete(Nomination).where(
        or_(Nomination.nominator_id == uid, Nomination.nominee_id == uid),
        Nomination.cycle_id.in_(open_cycles)))
    for model, condition in (
            (Shortlisted, Shortlisted.nominee_id == uid), (Vote, Vote.nominee_id == uid),
            (Decline, Decline.user_id == uid)):
        column = model.cycle_id if model is Decline else model.category_id
        conditional_update(db.delete(model).where(
            condition, column.in_(open_cycles if model is Decline else open_categories)))
    conditional_update(db.delete(PublicConsent).where(PublicConsent.user_id == uid))
    forget_winner(uid)  # and out of the winners stored in published annual reports
    conditional_update(update(AwardCategory).where(
        AwardCategory.tie_break_winner_id == uid, AwardCategory.cycle_id.in_(open_cycles))
        .values(tie_break_winner_id=None, tie_break_reason=None))
    conditional_update(update(AwardCycle).where(
        AwardCycle.chair_id == uid, AwardCycle.state != ANNOUNCED).values(chair_id=None))
    return {"juries": juries, "nominations": nominations}

