"""Matching: newcomers' buddy requests, suggestions, proposals and the match lifecycle."""

from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, func, or_, select

from ..accounts.models import COORDINATOR, LanguageSkill, User, UserRole
from ..accounts.services import update_languages
from ..audit.services import record
from ..database import add_once, locked_one, utcnow
from ..dates import add_months, programme_today
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_ngettext
from ..mail import send_email
from ..programme.services import get_settings
from ..search import fold
from ..signals import match_ended, match_started
from ..volunteering.models import ACTIVE as COMMITMENT_ACTIVE
from ..volunteering.models import Application, Commitment, VolunteerRole
from . import scoring
from .models import (
    ACTIVE,
    CANCELLED,
    CLOSED,
    CONTACTS,
    CURRENT_REQUEST_STATES,
    DECLINE_REASONS,
    DECLINED,
    ENDED_EARLY,
    MATCH_END_REASONS,
    MATCH_OUTCOMES,
    MATCHED,
    NEEDS,
    NEWCOMER_CLOSE_REASONS,
    OPEN,
    PLACE_TAKING_STATES,
    PROPOSED,
    BuddyRequest,
    Match,
)
from .scoring import MIN_MONTHS_LEFT

SUGGESTIONS = 10
SEARCH_RESULTS = 20


class MatchingError(DomainError):
    """A buddy request, proposal or answer the rules refuse."""


# Buddy requests ----------------------------------------------------------------------


def create_request(user, role, *, languages, target_language, needs, note, neighbourhood_id,
                   availability, preferred_contact):
    """A newcomer asks for one kind of help (one current request per kind)."""
    if role == "language_buddy" and not target_language:
        raise MatchingError(_l("Please choose the language you want to practise."),
                            "target_language")
    if preferred_contact not in CONTACTS:
        raise MatchingError(_l("Please choose how we should contact you."), "preferred_contact")
    already_asked = _l("You already asked for this kind of help.")
    if db.session.scalar(select(BuddyRequest.id).where(BuddyRequest.user_id == user.id,
                                                      BuddyRequest.current_role == role)):
        raise MatchingError(already_asked)
    update_languages(user, languages)
    request = BuddyRequest(
        user_id=user.id, role=role, current_role=role, status=OPEN,
        target_language=target_language if role == "language_buddy" else None,
        needs=[n for n in NEEDS if n in set(needs)], note=(note or "").strip() or None,
        neighbourhood_id=neighbourhood_id, availability=list(availability),
        preferred_contact=preferred_contact,
    )
    # A double click that got past the check above: the unique (user, kind) refuses it.
    if not add_once(request):
        raise MatchingError(already_asked)
    record(user, "buddy_request.created", request, role=role)
    return request


def _newcomer_reason(reason, required):
    if (reason or required) and reason not in NEWCOMER_CLOSE_REASONS:
        raise MatchingError(_l("Please choose a reason."), "reason")
    return reason or None


def cancel_request(user, request_id, reason=None, note=None):
    """The newcomer withdraws a request that has no active match yet, saying why if they
    wish (NEWCOMER_CLOSE_REASONS)."""
    reason = _newcomer_reason(reason, required=False)
    request = locked_one(BuddyRequest, request_id)
    if request is None or request.user_id != user.id:
        raise MatchingError(_l("This request does not exist."))
    if not request.is_open:
        raise MatchingError(_l("This request can no longer be cancelled here. Please contact "
                               "the programme team."))
    for match in request.matches:
        if match.is_proposed:
            match.status, match.declined_by, match.decline_reason = DECLINED, "newcomer", "other"
            _tell(match, [match.volunteer] + coordinators_to_tell(match),
                  _l("A buddy proposal was declined"), "match_declined")
    request.status, request.current_role, request.closed_at = CANCELLED, None, utcnow()
    request.close_reason, request.close_note = reason, (note or "").strip() or None
    record(user, "buddy_request.cancelled", request, request.close_note, reason=reason)
    return request


# Suggestions -------------------------------------------------------------------------


def _need(request):
    # The newcomer's languages: already loaded with the request on the suggestions page
    # (request_with_details), else one query.
    languages = {skill.language for skill in request.user.languages}
    return scoring.Need(role=request.role, languages=languages,
                        target_language=request.target_language,
                        neighbourhood_id=request.neighbourhood_id,
                        availability=set(request.availability or ()))


def _places_taken():
    """Live matches per volunteer and kind of help (a renewal keeps the same places)."""
    return (select(Match.volunteer_id, BuddyRequest.role, func.count().label("taken"))
            .join(BuddyRequest, BuddyRequest.id == Match.request_id)
            .where(Match.status.in_(PLACE_TAKING_STATES))
            .group_by(Match.volunteer_id, BuddyRequest.role).subquery())


def eligible_commitments(request, today, need=None):
    """SQL for the commitments that may take this request: the role, active, a free
    place, at least MIN_MONTHS_LEFT months left, and not the newcomer themself (with the
    SQL part of their score as ``prescore`` when ``need`` is given)."""
    taken = _places_taken()
    taken_count = func.coalesce(taken.c.taken, 0)
    columns = [Commitment.id, Commitment.user_id, User.name, Commitment.end_date,
               Application.neighbourhood_id, Application.availability,
               taken_count.label("taken"), VolunteerRole.capacity]
    query = select(*columns)
    if need is not None:
        counts = scoring.sql_language_counts(need, Commitment.user_id)
        query = query.add_columns(scoring.sql_prescore(
            need, counts, Application.neighbourhood_id, taken_count, Commitment.end_date,
            today).label("prescore"))
    query = (
        query
        .join(User, User.id == Commitment.user_id)
        .join(VolunteerRole, VolunteerRole.code == Commitment.role)
        .outerjoin(Application, Application.id == Commitment.application_id)
        .outerjoin(taken, (taken.c.volunteer_id == Commitment.user_id)
                   & (taken.c.role == Commitment.role))
        .where(Commitment.role == request.role, Commitment.status == COMMITMENT_ACTIVE,
               Commitment.end_date >= add_months(today, MIN_MONTHS_LEFT),
               taken_count < VolunteerRole.capacity, Commitment.user_id != request.user_id,
               User.is_enabled.is_(True),
               # Not someone already proposed for this request who (or whom) declined.
               ~Commitment.user_id.in_(select(Match.volunteer_id).where(
                   Match.request_id == request.id, Match.status == DECLINED)))
    )
    return query


def _candidates(rows):
    candidates = {row.user_id: scoring.Candidate(
        commitment_id=row.id, user_id=row.user_id, name=row.name, end_date=row.end_date,
        neighbourhood_id=row.neighbourhood_id, availability=set(row.availability or ()),
        current_matches=row.taken, capacity=row.capacity) for row in rows}
    return candidates


def _load_languages(*groups):
    """Fill in the languages of the candidates of each dict (user id -> Candidate), in
    one query for all of them."""
    user_ids = sorted({user_id for group in groups for user_id in group})
    if not user_ids:
        return
    for user_id, code, level in db.session.execute(
            select(LanguageSkill.user_id, LanguageSkill.language, LanguageSkill.level)
            .where(LanguageSkill.user_id.in_(user_ids))):
        for group in groups:
            if user_id in group:
                group[user_id].languages[code] = level


def suggestions(request, today=None, limit=SUGGESTIONS):
    """The best volunteers for a request, each with its score and the reasons in words.

    SQL keeps the eligible volunteers and computes the part of the score it can; only
    those who can still reach the top ``limit`` are loaded and scored here. A fixed
    number of queries whatever the number of volunteers.
    """
    return suggestions_and_count(request, today, limit)[0]


def suggestions_and_count(request, today=None, limit=SUGGESTIONS, search=None):
    """``suggestions`` and ``eligible_count`` together, in two queries: the volunteers
    within reach of the N-th best pre-score (window functions give that pre-score and how
    many are eligible, so the eligible volunteers are found once), and their languages.
    With ``search`` (a name), also ``search_eligible``'s results, in one more query (the
    languages of both come in the same query): (suggestions, count, results)."""
    today = today or programme_today()
    need = _need(request)
    eligible = eligible_commitments(request, today, need).subquery()
    ranked = select(
        eligible, func.count().over().label("total"),
        # The N-th best pre-score (None when fewer are eligible).
        func.nth_value(eligible.c.prescore, limit).over(
            order_by=eligible.c.prescore.desc(), rows=(None, None)).label("nth"),
    ).subquery()
    rows = db.session.execute(select(ranked).where(or_(
        ranked.c.nth.is_(None),
        ranked.c.prescore >= ranked.c.nth - scoring.sql_slack(need)))).all()
    candidates = _candidates(rows)
    found, found_total = ({}, 0) if search is None else _search_rows(request, search, today)
    _load_languages(candidates, found)
    scored = [scoring.score(need, candidate, today) for candidate in candidates.values()]
    scored.sort(key=lambda c: (-c.score, c.name, c.commitment_id))
    total = rows[0].total if rows else 0
    best = [scoring.explain(need, candidate) for candidate in scored[:limit]]
    if search is None:
        return best, total
    return best, total, SearchResults([scoring.score_and_explain(need, c, today)
                                       for c in found.values()], found_total)


def request_with_details(request_id):
    """A buddy request with what its page shows: the newcomer and their languages, the
    neighbourhood, its matches and their volunteers (two queries), or None."""
    return db.session.scalar(
        select(BuddyRequest).where(BuddyRequest.id == request_id)
        .options(db.joinedload(BuddyRequest.user)
                 .options(db.lazyload(User.roles), db.selectinload(User.languages)),
                 db.joinedload(BuddyRequest.neighbourhood),
                 db.selectinload(BuddyRequest.matches).joinedload(Match.volunteer)
                 .lazyload(User.roles)))


def eligible_count(request, today=None):
    """How many volunteers could take ``request`` (the suggestions show the best few)."""
    eligible = eligible_commitments(request, today or programme_today()).subquery()
    return db.session.scalar(select(func.count()).select_from(eligible))


def person_matches(person, query):
    """SQL: ``person`` (User or an alias) has ``query`` in their name, email or phone, in
    any case and with or without accents (User.search_text)."""
    return person.search_text.contains(fold(query), autoescape=True)


@dataclass
class SearchResults:
    """The first ``len(items)`` of ``total`` results ("showing N of M" when cut)."""

    items: list
    total: int

    @property
    def is_cut(self):
        return self.total > len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def _search_rows(request, query, today, limit=SEARCH_RESULTS):
    """The first ``limit`` eligible volunteers named ``query`` (candidates by user id,
    not scored yet) and how many there are in all, in one query (a window count)."""
    eligible = (eligible_commitments(request, today).where(person_matches(User, query or ""))
                .add_columns(func.count().over().label("total"))
                .order_by(User.name, Commitment.id).limit(limit).subquery())
    rows = db.session.execute(select(eligible)).all()
    return _candidates(rows), rows[0].total if rows else 0


def search_eligible(request, query, today=None, limit=SEARCH_RESULTS):
    """Eligible volunteers whose name contains ``query`` (for a coordinator's override):
    the first ``limit`` by name, and how many there are in all."""
    today = today or programme_today()
    candidates, total = _search_rows(request, query, today, limit)
    _load_languages(candidates)
    need = _need(request)
    return SearchResults([scoring.score_and_explain(need, c, today)
                          for c in candidates.values()], total)


# Proposals and answers ---------------------------------------------------------------


def propose(actor, request_id, commitment_id, *, note=None, today=None):
    """A coordinator proposes a volunteer for a request. The commitment is locked while its
    free places are counted, so two coordinators cannot fill the same last place. Choosing
    someone outside the suggestions (an override) needs a note saying why."""
    today = today or programme_today()
    note = (note or "").strip() or None
    request = locked_one(BuddyRequest, request_id)
    commitment = locked_one(Commitment, commitment_id)
    if request is None or not request.is_open:
        raise MatchingError(_l("This request is not waiting for a buddy."))
    if commitment is None or commitment.role != request.role:
        raise MatchingError(_l("This volunteer does not offer this kind of help."))
    if commitment.current_status(today) != COMMITMENT_ACTIVE:
        raise MatchingError(_l("This volunteer's commitment is not active."))
    if commitment.end_date < add_months(today, MIN_MONTHS_LEFT):
        raise MatchingError(lazy_ngettext(
            "This volunteer's commitment ends in less than %(num)d month.",
            "This volunteer's commitment ends in less than %(num)d months.", MIN_MONTHS_LEFT))
    if commitment.user_id == request.user_id:
        raise MatchingError(_l("A person cannot be their own buddy."))
    taken = db.session.scalar(select(func.count()).select_from(Match).join(BuddyRequest).where(
        Match.volunteer_id == commitment.user_id, BuddyRequest.role == commitment.role,
        Match.status.in_(PLACE_TAKING_STATES)))
    if taken >= commitment.volunteer_role.capacity:
        raise MatchingError(_l("This volunteer has no free place left."))
    if db.session.scalar(select(Match.id).where(Match.request_id == request.id,
                                                Match.status.in_(PLACE_TAKING_STATES))):
        raise MatchingError(_l("A volunteer has already been proposed for this request."))
    need = _need(request)
    candidate = _candidates(db.session.execute(select(
        eligible_commitments(request, today).where(Commitment.id == commitment.id).subquery()
    )).all()).get(commitment.user_id)
    if candidate is None:
        raise MatchingError(_l("This volunteer cannot be proposed for this request."))
    candidate.languages = {s.language: s.level for s in commitment.user.languages}
    scoring.score_and_explain(need, candidate, today)
    override = commitment.id not in {c.commitment_id for c in suggestions(request, today)}
    if override and not note:
        raise MatchingError(_l("Please explain in a note why you chose this volunteer."),
                            "note")
    match = Match(
        request_id=request.id, commitment_id=commitment.id, volunteer_id=commitment.user_id,
        newcomer_id=request.user_id, status=PROPOSED, proposed_by_id=actor.id,
        score=candidate.score, reasons=[str(r) for r in candidate.reasons], override_note=note,
    )
    db.session.add(match)
    db.session.flush()
    record(actor, "match.proposed", match, note, request_id=request.id,
           volunteer_id=commitment.user_id, override=override)
    _tell(match, (match.volunteer, match.newcomer), _l("A buddy match is proposed"),
          "match_proposed")
    return match


def respond(user, match_id, accept, reason=None, note=None):
    """The volunteer or the newcomer accepts or declines a proposal; both accepting
    makes the match active."""
    found = db.session.get(Match, match_id)
    if found is None or found.side_of(user) is None:
        raise MatchingError(_l("This proposal does not exist."))
    # Same lock order as cancel_request (request, then match): no deadlock between them.
    request = locked_one(BuddyRequest, found.request_id)
    match = locked_one(Match, match_id)
    side = match.side_of(user)
    if match.is_withdrawn:
        raise MatchingError(_l("The programme team has withdrawn this proposal: there is "
                               "nothing to answer any more."))
    if not match.is_proposed:
        raise MatchingError(_l("This proposal has already been answered."))
    if accept and not request.is_open:
        raise MatchingError(_l("This request is no longer waiting for a buddy."))
    if not accept:
        if reason not in DECLINE_REASONS:
            raise MatchingError(_l("Please choose a reason."), "reason")
        match.status, match.declined_by = DECLINED, side
        match.decline_reason, match.decline_note = reason, (note or "").strip() or None
        record(user, "match.declined", match, match.decline_note, side=side, reason=reason)
        others = [match.newcomer if side == "volunteer" else match.volunteer]
        _tell(match, others + coordinators_to_tell(match), _l("A buddy proposal was declined"),
              "match_declined")
        return match
    if match.has_answered(side):
        return match
    if side == "volunteer":
        match.volunteer_accepted_at = utcnow()
    else:
        match.newcomer_accepted_at = utcnow()
    record(user, "match.accepted", match, side=side)
    if match.volunteer_accepted_at and match.newcomer_accepted_at:
        match.status, match.activated_at = ACTIVE, utcnow()
        match.request.status, match.request.matched_at = MATCHED, utcnow()
        record(None, "match.activated", match)
        match_started.send(match)  # check-ins open; reports checks the year's milestones
        _tell(match, (match.volunteer, match.newcomer), _l("Your buddy match has started"),
              "match_active")
    return match


def end_match(actor, match_id, outcome, reason, note=None, reopen=False):
    """End an active match: completed, or ended early with a reason. The request closes,
    or goes back to the board when the newcomer asks for another buddy (``reopen``)."""
    if outcome not in MATCH_OUTCOMES:
        raise MatchingError(_l("Unknown outcome."))
    if reason not in MATCH_END_REASONS:
        raise MatchingError(_l("Please choose a reason."), "reason")
    match = locked_one(Match, match_id)
    if match is None:
        raise MatchingError(_l("This match does not exist."))
    if not match.is_active:
        raise MatchingError(_l("Only an active match can be ended."))
    _close(match, outcome, reason, note, reopen)
    record(actor, f"match.{outcome}", match, match.end_note, reason=reason, reopened=reopen)
    _tell(match, (match.volunteer, match.newcomer), _l("Your buddy match has ended"),
          "match_ended")
    return match


def _close(match, outcome, reason, note, reopen):
    match.status, match.ended_at = outcome, utcnow()
    match.end_reason, match.end_note = reason, (note or "").strip() or None
    match_ended.send(match)
    request = match.request
    if reopen:
        request.status, request.matched_at = OPEN, None
    else:
        request.status, request.current_role, request.closed_at = CLOSED, None, utcnow()


def live_matches_of_commitment(commitment_id):
    return db.session.scalars(select(Match).where(
        Match.commitment_id == commitment_id, Match.status.in_(PLACE_TAKING_STATES))).all()


def release_commitment(actor, commitment_id, reason):
    """A commitment ends early: its proposals are withdrawn and its active matches end,
    and the newcomers' requests go back to the board."""
    ended = []
    for match in live_matches_of_commitment(commitment_id):
        if match.is_proposed:
            match.status, match.declined_by, match.decline_reason = DECLINED, "volunteer", "other"
            _tell(match, (match.newcomer,), _l("A buddy proposal was declined"),
                  "match_declined")
        else:
            _close(match, ENDED_EARLY, reason if reason in MATCH_END_REASONS else "other",
                   None, reopen=True)
            _tell(match, (match.newcomer,), _l("Your buddy match has ended"), "match_ended")
        record(actor, "match.released", match, reason=reason)
        ended.append(match)
    return ended


def coordinators_to_tell(match):
    if match.proposed_by_id:
        proposer = db.session.get(User, match.proposed_by_id)
        if proposer is not None and proposer.is_enabled:
            return [proposer]
    # The proposer left (or nobody proposed it): coordinators who can act on it.
    return db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == COORDINATOR, User.is_enabled.is_(True)).order_by(User.id)
        .limit(3)).all()


def _tell(match, people, subject, template, **context):
    """Email each of ``people`` about ``match`` in their language; someone registered
    without an email address gets nothing (the team calls them)."""
    for person in people:
        if person.email:
            send_email(person.email, subject, template, locale=person.locale, person=person,
                       match=match, **context)


# Pages -------------------------------------------------------------------------------


def match_for(user, match_id):
    """A match seen by one of its two people; None for anyone else."""
    match = db.session.get(Match, match_id)
    if match is None or match.side_of(user) is None:
        return None
    return match


def shows_profile(match):
    """Each person of a match sees the other's languages, and the volunteer the newcomer's
    needs and neighbourhood, only while it is proposed or active: once it is declined or
    ended, they see no more of each other than anyone else does."""
    return match.status in PLACE_TAKING_STATES


@dataclass(frozen=True)
class Contact:
    """How one person of an active match may reach the other."""

    name: str
    first_name: str
    email: str | None = None
    phone: str | None = None
    # Only the volunteer is told how the newcomer prefers to be contacted.
    preferred: str | None = None
    # The newcomer asked to meet at the programme office: the team arranges it.
    via_office: bool = False
    # The volunteer shares nothing (or chose a phone they have not given): the newcomer
    # writes to the programme's contact address, and the team passes messages on.
    via_coordinator: bool = False
    office_email: str | None = None


def contact_for(match, viewer):
    """What ``viewer`` may see of the other person's contact details: nothing until
    both said yes, and nothing once the match has ended. The volunteer gets what the
    newcomer chose (their phone, email, or the programme office); the newcomer gets what
    the volunteer chose (User.shares_contact: their email, their phone, or the programme's
    contact address). None when there is nothing to show."""
    other = match.other_person(viewer)
    if other is None or not match.is_active:
        return None
    if not other.is_enabled:
        # A disabled account: the team passes messages on, if any.
        return Contact(other.name, other.first_name, via_coordinator=True,
                       office_email=get_settings().contact_email)
    if match.side_of(viewer) == "newcomer":
        return _volunteer_contact(other)
    preferred = match.request.preferred_contact
    if preferred == "office":
        return Contact(other.name, other.first_name, preferred=preferred, via_office=True)
    if preferred == "phone" and other.phone:
        return Contact(other.name, other.first_name, phone=other.phone, preferred=preferred)
    # Email, or a phone preference without a number: the email.
    return Contact(other.name, other.first_name, email=other.email, preferred=preferred)


def _volunteer_contact(volunteer):
    """What a matched newcomer sees of ``volunteer``: only what they chose to share."""
    shares = volunteer.shares_contact
    if shares == "email":
        return Contact(volunteer.name, volunteer.first_name, email=volunteer.email)
    if shares == "phone" and volunteer.phone:
        return Contact(volunteer.name, volunteer.first_name, phone=volunteer.phone)
    # "office", or a phone chosen but none given: never another detail instead.
    return Contact(volunteer.name, volunteer.first_name, via_coordinator=True,
                   office_email=get_settings().contact_email)


def volunteer_matches(user_id):
    return db.session.scalars(
        select(Match).options(db.joinedload(Match.newcomer).lazyload(User.roles),
                              db.joinedload(Match.request))
        .where(Match.volunteer_id == user_id, Match.status.in_(PLACE_TAKING_STATES))
        .order_by(Match.created_at)).all()


@cache  # built once, with a parameter: /buddy does not walk a new statement per request
def _newcomer_requests_statement():
    return (select(BuddyRequest).options(
                db.selectinload(BuddyRequest.matches).joinedload(Match.volunteer)
                .options(db.lazyload(User.roles), db.selectinload(User.languages)))
            .where(BuddyRequest.user_id == bindparam("user_id"))
            .order_by(BuddyRequest.status.in_(CURRENT_REQUEST_STATES).desc(),
                      BuddyRequest.created_at.desc()))


def newcomer_requests(user_id):
    return db.session.scalars(_newcomer_requests_statement(), {"user_id": user_id}).all()
