"""Volunteering: roles, applications, decisions and commitments.

Every rule of this area lives here, callable from views, CLI commands and tests.
"""

from datetime import date, timedelta
from functools import partial
from typing import NamedTuple

from sqlalchemy import func, select, union_all, update

from ..accounts.models import NEWCOMER, LanguageSkill, User
from ..accounts.services import update_languages
from ..audit.services import record
from ..database import ListPage, conditional_update, in_one_query, locked_one, unique_or, utcnow
from ..dates import add_months, programme_today
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_ngettext
from ..mail import send_email
from ..permissions import can_apply
from ..programme.models import Neighbourhood
from ..search import fold
from ..signals import commitment_approved
from .models import (
    ACTIVE,
    ANY_STATE,
    APPROVED,
    AWAITING_TRAINING,
    COMPLETED,
    CURRENT_COMMITMENT_STATES,
    DEFAULT_CAPACITY,
    END_REASONS,
    ENDED_EARLY,
    ENDING_SOON_DAYS,
    INFO_REQUESTED,
    LEFT_PROGRAMME,
    MINIMUM_MONTHS,
    OPEN_APPLICATION_STATES,
    PLEDGE_REQUIRED,
    REJECTED,
    ROLE_CODES,
    START_WINDOW_MONTHS,
    SUBMITTED,
    WITHDRAWN,
    Application,
    Commitment,
    VolunteerRole,
)

DECISIONS = ("approve", "reject", "request_info")


APPLICATION_CLOSED = _l("This application has already been decided or withdrawn.")


class VolunteeringError(DomainError):
    """A refused change in volunteering (``field``: the form field it is about, if any)."""


# Roles -------------------------------------------------------------------------------


def ensure_roles():
    """Create the three programme roles with their defaults if they are missing."""
    existing = set(db.session.scalars(select(VolunteerRole.code)))
    for position, code in enumerate(ROLE_CODES):
        if code not in existing:
            db.session.add(VolunteerRole(code=code, min_months=MINIMUM_MONTHS,
                                         capacity=DEFAULT_CAPACITY[code], position=position))
    db.session.flush()


def all_roles():
    return db.session.scalars(select(VolunteerRole).order_by(VolunteerRole.position)).all()


def roles_open_to(user):
    """The roles this person may apply for, in the programme's order."""
    return [role for role in all_roles() if can_apply(user, role)]


def get_role(code):
    return db.session.get(VolunteerRole, code) if code in ROLE_CODES else None


def update_role_settings(actor, role, *, min_months, capacity, open_to_newcomers=None):
    """Change a role's minimum months (never below MINIMUM_MONTHS), capacity and whether
    newcomers may apply for it (``None``: unchanged)."""
    if open_to_newcomers is None:
        open_to_newcomers = role.open_to_newcomers
    if min_months < MINIMUM_MONTHS:
        raise VolunteeringError(_l("The minimum commitment cannot be less than %(num)d months.",
                                   num=MINIMUM_MONTHS))
    if capacity < 1:
        raise VolunteeringError(_l("A volunteer must be able to accompany at least one person."))
    before = {"min_months": role.min_months, "capacity": role.capacity,
              "open_to_newcomers": role.open_to_newcomers}
    after = {"min_months": min_months, "capacity": capacity,
             "open_to_newcomers": bool(open_to_newcomers)}
    if before != after:
        record(actor, "role.settings_changed", role, role=role.code, **after, before=before)
        role.min_months, role.capacity = min_months, capacity
        role.open_to_newcomers = bool(open_to_newcomers)


ROLE_CLOSED_TO_NEWCOMERS = _l("This role is open to residents only for now. Please ask the "
                              "programme team about the roles you can apply for.")


def check_may_apply(user, role):
    """Refuse (403) an application the person may not make for this role."""
    if not can_apply(user, role):
        if user.has_role(NEWCOMER):
            raise VolunteeringError(ROLE_CLOSED_TO_NEWCOMERS, status=403)
        raise VolunteeringError(_l("Your account cannot apply for volunteer roles. Please "
                                   "contact the programme team."), status=403)


# Pledge dates ------------------------------------------------------------------------


def pledge_end(start, role):
    """The earliest end date of a pledge starting on ``start`` for ``role``."""
    return add_months(start, role.min_months)


def latest_start(today):
    """The last day an application made ``today`` may choose to start on."""
    return add_months(today, START_WINDOW_MONTHS)


def check_start_date(start, today):
    """A start date must be from today up to START_WINDOW_MONTHS ahead."""
    if start < today:
        raise VolunteeringError(_l("The start date cannot be in the past."), "start_date")
    if start > latest_start(today):
        raise VolunteeringError(lazy_ngettext(
            "Please choose a start date within the next month.",
            "Please choose a start date within the next %(num)d months.",
            START_WINDOW_MONTHS), "start_date")


def start_date_allowed(start, today):
    """Whether ``check_start_date`` accepts ``start``."""
    try:
        check_start_date(start, today)
    except VolunteeringError:
        return False
    return True


# Applications ------------------------------------------------------------------------


def open_application(user_id, role_code):
    return db.session.scalar(
        select(Application).where(Application.user_id == user_id,
                                  Application.open_role == role_code)
    )


def current_commitment(user_id, role_code):
    return db.session.scalar(
        select(Commitment).where(Commitment.user_id == user_id, Commitment.role == role_code,
                                 Commitment.status.in_(CURRENT_COMMITMENT_STATES))
    )


def submit_application(user, role, *, motivation, languages, neighbourhood_id, availability,
                       start_date, pledge, today):
    """Record a resident's (or a newcomer's, for a role open to newcomers) application
    for one role (one open application per role)."""
    check_may_apply(user, role)
    if not pledge:
        raise VolunteeringError(PLEDGE_REQUIRED, "pledge")
    check_start_date(start_date, today)
    if open_application(user.id, role.code):
        raise VolunteeringError(_l("You already have an application for this role waiting "
                                   "for a decision."))
    if current_commitment(user.id, role.code):
        raise VolunteeringError(_l("You already volunteer in this role."))
    update_languages(user, languages)
    # Another request (a double click) may open the same application first: the unique
    # open role refuses the second, and only this block is undone.
    with unique_or(VolunteeringError(_l("You already have an application for this role "
                                        "waiting for a decision."))):
        application = Application(
            user=user, role=role.code, open_role=role.code, status=SUBMITTED,
            motivation=motivation.strip(), neighbourhood_id=neighbourhood_id,
            availability=list(availability), start_date=start_date,
            pledge_end_date=pledge_end(start_date, role),
        )
        db.session.add(application)
    return application


def update_application(user, application, *, motivation, languages, neighbourhood_id,
                       availability, start_date, pledge, today):
    """The resident answers a request for information: the application goes back in line."""
    application = locked_one(Application, application.id)
    if application is None or application.user_id != user.id:
        raise VolunteeringError(_l("This application does not exist."))
    if not application.is_open:
        raise VolunteeringError(APPLICATION_CLOSED)
    if not pledge:
        raise VolunteeringError(PLEDGE_REQUIRED, "pledge")
    check_start_date(start_date, today)
    update_languages(user, languages)
    application.motivation = motivation.strip()
    application.neighbourhood_id = neighbourhood_id
    application.availability = list(availability)
    application.start_date = start_date
    application.pledge_end_date = pledge_end(start_date, application.volunteer_role)
    application.status = SUBMITTED
    return application


def withdraw_application(user, application_id):
    """The resident withdraws an application that is still open."""
    changed = conditional_update(
        update(Application)
        .where(Application.id == application_id, Application.user_id == user.id,
               Application.status.in_(OPEN_APPLICATION_STATES))
        .values(status=WITHDRAWN, open_role=None, updated_at=utcnow())
    )
    if not changed:
        raise VolunteeringError(APPLICATION_CLOSED)
    application = db.session.get(Application, application_id)
    db.session.refresh(application)
    return application


def decide(actor, application_id, decision, message, *, notify=True, today=None):
    """A coordinator approves, declines or asks for more information, exactly once."""
    if decision not in DECISIONS:
        raise VolunteeringError(_l("Unknown decision."), status=422)
    message = (message or "").strip()
    if decision in ("reject", "request_info") and not message:
        raise VolunteeringError(_l("Please write a message: the applicant needs to know why "
                                   "or what to add."), "message")
    application = locked_one(Application, application_id)
    if application is None:
        raise VolunteeringError(_l("This application does not exist."))
    if application.user_id == actor.id:
        raise VolunteeringError(_l("You cannot decide on your own application: please ask "
                                   "another coordinator."))
    if application.is_withdrawn:
        raise VolunteeringError(_l("The applicant has withdrawn this application."))
    if not application.is_open:
        raise VolunteeringError(_l("This application has already been decided."))
    if decision == "request_info" and application.is_info_requested:
        raise VolunteeringError(_l("More information has already been requested."))

    application.decided_at = utcnow()
    application.decided_by_id = actor.id
    application.decision_message = message or None
    commitment = None
    if decision == "approve":
        if current_commitment(application.user_id, application.role):
            raise VolunteeringError(_l("This person already volunteers in this role."))
        application.status, application.open_role = APPROVED, None
        role = application.volunteer_role
        # The pledge starts on the chosen day, or today if that day has passed, and runs
        # for the role's minimum as it is now.
        start = max(application.start_date, today or programme_today())
        commitment = Commitment(
            user_id=application.user_id, role=application.role, current_role=application.role,
            application=application, status=AWAITING_TRAINING, start_date=start,
            end_date=pledge_end(start, role), min_months=role.min_months,
        )
        db.session.add(commitment)
    elif decision == "reject":
        application.status, application.open_role = REJECTED, None
    else:
        application.status = INFO_REQUESTED
    db.session.flush()
    record(actor, f"application.{decision}", application, message or None,
           role=application.role, applicant_id=application.user_id)
    if commitment is not None:
        # Someone already trained for this role's modules starts right away (training
        # receives the signal: volunteering does not import the area above it).
        commitment_approved.send(commitment)
    if notify:
        notify_decision(application)
    return application


def notify_decision(application):
    user = application.user
    subjects = {
        APPROVED: _l("Your application has been approved"),
        REJECTED: _l("About your application"),
        INFO_REQUESTED: _l("A question about your application"),
    }
    send_email(user.email, subjects[application.status], "application_decided",
               locale=user.locale, user=user, application=application)


# Commitments -------------------------------------------------------------------------


def activate(commitment, today=None):
    """Training is done: the commitment starts. Time spent waiting for training does not
    count as service, so a period that should have begun already restarts today."""
    today = today or programme_today()
    commitment.status = ACTIVE
    commitment.activated_at = utcnow()
    if commitment.start_date < today:
        commitment.start_date = today
        commitment.end_date = add_months(today, commitment.min_months)


def sweep_commitments(today):
    """Record as completed every active commitment whose minimum is served. Idempotent."""
    due = db.session.scalars(
        select(Commitment).where(Commitment.status == ACTIVE, Commitment.end_date <= today)
        .with_for_update()
    ).all()
    for commitment in due:
        commitment.status, commitment.current_role = COMPLETED, None
        commitment.completed_on = commitment.end_date
        record(None, "commitment.completed", commitment)
    return len(due)


def can_end(user, commitment):
    """The volunteer themself or a coordinator may end a commitment early."""
    return commitment.user_id == user.id or user.has_role("coordinator")


def _end_refusal(user, commitment, today):
    """Why ``user`` may not end ``commitment`` early now; None if they may."""
    if commitment is None or not can_end(user, commitment):
        return _l("This commitment does not exist.")
    if not commitment.is_current_on(today):
        return _l("This commitment has already ended.")
    return None


def may_end(user, commitment, today):
    """Whether ``user`` may end ``commitment`` early now (the "I need to stop" link)."""
    return _end_refusal(user, commitment, today) is None


def end_early(actor, commitment_id, reason, note, today, end_matches=False):
    """End a current commitment before its minimum is served, with a reason.

    Newcomers matched with the volunteer are never left silently: the caller must say
    ``end_matches`` to end those matches too (their requests go back to the board).
    """
    from ..matching.services import live_matches_of_commitment, release_commitment

    if reason not in END_REASONS:
        raise VolunteeringError(_l("Please choose a reason."), "reason")
    commitment = locked_one(Commitment, commitment_id)
    refusal = _end_refusal(actor, commitment, today)
    if refusal:
        raise VolunteeringError(refusal)
    if live_matches_of_commitment(commitment.id):
        if not end_matches:
            raise VolunteeringError(_l("This volunteer is matched with a newcomer. Confirm "
                                       "that the match ends too."), "end_matches")
        release_commitment(actor, commitment.id, reason)
    commitment.status, commitment.current_role = ENDED_EARLY, None
    commitment.ended_on = today
    commitment.end_reason = reason
    commitment.end_note = (note or "").strip() or None
    commitment.ended_by_id = actor.id
    record(actor, "commitment.ended_early", commitment, commitment.end_note, reason=reason)
    return commitment


def _renew_refusal(user, commitment, today):
    """Why ``user`` may not renew ``commitment`` now; None if they may."""
    if commitment is None or commitment.user_id != user.id:
        return _l("This commitment does not exist.")
    if not commitment.is_completed_on(today):
        return _l("A commitment can be renewed once it is completed.")
    if commitment.renewals:
        return _l("This commitment has already been renewed.")
    return None


def may_renew(user, commitment, today):
    """Whether ``user`` may renew ``commitment`` now (the "Renew" button). Renewing may
    still be refused for a reason about the role (already volunteering in it, an
    application waiting): ``renew`` says which."""
    return _renew_refusal(user, commitment, today) is None


def renew(user, commitment_id, today):
    """After a completed commitment, pledge another period in one step (training is done)."""
    commitment = locked_one(Commitment, commitment_id)
    refusal = _renew_refusal(user, commitment, today)
    if refusal:
        raise VolunteeringError(refusal)
    if commitment.status == ACTIVE:  # served by date, not yet recorded by the sweep
        commitment.status, commitment.completed_on = COMPLETED, commitment.end_date
        commitment.current_role = None
    if current_commitment(user.id, commitment.role):
        raise VolunteeringError(_l("You already volunteer in this role."))
    if open_application(user.id, commitment.role):
        raise VolunteeringError(_l("You have an application for this role waiting for a "
                                   "decision: withdraw it first, or wait for the answer."))
    role = commitment.volunteer_role
    start = max(today, commitment.end_date)
    renewed = Commitment(
        user_id=user.id, role=commitment.role, current_role=commitment.role,
        application_id=commitment.application_id,  # availability and neighbourhood
        renewed_from=commitment, status=ACTIVE,
        start_date=start, end_date=pledge_end(start, role), min_months=role.min_months,
        activated_at=utcnow(),
    )
    db.session.add(renewed)
    db.session.flush()
    from ..matching.services import live_matches_of_commitment

    for match in live_matches_of_commitment(commitment.id):
        match.commitment_id = renewed.id  # the newcomers stay with their volunteer
    record(user, "commitment.renewed", renewed, renewed_from=commitment.id)
    return renewed


# Pages -------------------------------------------------------------------------------


def volunteer_overview(user_id):
    """The volunteer's applications and commitments, with what ``may_renew`` reads."""
    applications = db.session.scalars(
        select(Application).where(Application.user_id == user_id)
        .order_by(Application.submitted_at.desc())
    ).all()
    commitments = db.session.scalars(
        select(Commitment).options(db.joinedload(Commitment.renewals))
        .where(Commitment.user_id == user_id)
        .order_by(Commitment.start_date.desc(), Commitment.id.desc())
    ).unique().all()
    return applications, commitments


# Applications a page of the coordinators' queue shows. Each card carries its inline
# decision form (approve, ask, decline without leaving the queue): eight of them keep the
# page under the 30 KB budget (issue 17) whatever the applicants wrote.
QUEUE_PER_PAGE = 8


class SpokenLanguage(NamedTuple):
    language: str
    level: str


class Applicant(NamedTuple):
    """The applicant as a card shows them (``application.user`` on an ``Application``)."""

    name: str
    email: str
    phone: str | None
    languages: list  # SpokenLanguage, in the order they were entered


class PlaceName(NamedTuple):
    name: str


class ApplicationCard(NamedTuple):
    """An application as a card of the queue shows it: plain data read with a few columns
    (not an ``Application`` with its volunteer and neighbourhood of 20 columns each), with
    the same names the card reads on an ``Application`` (its own page and HTMX answers
    show one of those)."""

    id: int
    role: str
    status: str
    motivation: str
    availability: list
    start_date: date
    pledge_end_date: date
    submitted_at: object  # datetime
    decision_message: str | None
    user: Applicant
    neighbourhood: PlaceName | None

    is_open = Application.is_open
    status_label = Application.status_label
    waiting_days = Application.waiting_days


def _application_cards(rows):
    """``ApplicationCard``s of a page's rows, their applicants' languages in one query."""
    spoken = {}
    if rows:
        for user_id, language, level in db.session.execute(
                select(LanguageSkill.user_id, LanguageSkill.language, LanguageSkill.level)
                .where(LanguageSkill.user_id.in_({row.user_id for row in rows}))
                .order_by(LanguageSkill.id)):
            spoken.setdefault(user_id, []).append(SpokenLanguage(language, level))
    return [ApplicationCard(
        row.id, row.role, row.status, row.motivation, row.availability or [], row.start_date,
        row.pledge_end_date, row.submitted_at, row.decision_message,
        Applicant(row.name, row.email, row.phone, spoken.get(row.user_id, [])),
        PlaceName(row.place) if row.place is not None else None) for row in rows]


def review_queue(*, role=None, status="open", language=None, neighbourhood_id=None,
                 waiting_days=None, page=1, per_page=QUEUE_PER_PAGE, now=None):
    """Applications for coordinators, oldest first, a page of ``ApplicationCard``s: only
    the columns the cards show (no password hash or search text for eight cards).

    The same for every coordinator: kept in memory (``reports.cache.remembered``) until
    anything is written to the database (a decision is a write), unless it counts
    waiting days (to the second: counted afresh)."""
    arguments = dict(role=role, status=status, language=language,
                     neighbourhood_id=neighbourhood_id, page=max(page or 1, 1),
                     per_page=per_page)
    if waiting_days:
        return _review_queue(waiting_days=waiting_days, now=now, **arguments)
    from ..reports.cache import remembered

    return remembered(("volunteering-review-queue", *arguments.values()),
                      partial(_review_queue, waiting_days=None, now=None, **arguments))


def _review_queue(*, role, status, language, neighbourhood_id, waiting_days, page, per_page,
                  now):
    """``review_queue`` counted and read."""
    conditions = []
    if role:
        conditions.append(Application.role == role)
    if status:
        # As a list of ids: on "status IN (...)" itself SQLite walks every application by
        # date (the open ones are the newest) instead of the status' index (6 ms).
        states = OPEN_APPLICATION_STATES if status == "open" else (status,)
        conditions.append(Application.id.in_(
            select(Application.id).where(Application.status.in_(states))))
    if language:
        conditions.append(Application.user_id.in_(
            select(LanguageSkill.user_id).where(LanguageSkill.language == language)))
    if neighbourhood_id:
        conditions.append(Application.neighbourhood_id == neighbourhood_id)
    if waiting_days:
        cutoff = (now or utcnow()) - timedelta(days=waiting_days)
        conditions.append(Application.submitted_at <= cutoff)
    order = (Application.submitted_at, Application.id)
    ids = select(Application.id).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    items = []
    if total > (page - 1) * per_page:
        # The page's ids are chosen in the subquery, and their rows read in the same
        # order in the outer query.
        chosen = ids.order_by(*order).limit(per_page).offset((page - 1) * per_page)
        items = _application_cards(db.session.execute(
            select(Application.id, Application.role, Application.status,
                   Application.motivation, Application.availability, Application.start_date,
                   Application.pledge_end_date, Application.submitted_at,
                   Application.decision_message, Application.user_id, User.name, User.email,
                   User.phone, Neighbourhood.name.label("place"))
            .join(User, User.id == Application.user_id)
            .outerjoin(Neighbourhood, Neighbourhood.id == Application.neighbourhood_id)
            .where(Application.id.in_(chosen.scalar_subquery()))
            .order_by(*order)).all())
    return ListPage(items, page, per_page, total)


def commitments_ending_soon(today, days=ENDING_SOON_DAYS):
    return db.session.scalars(
        select(Commitment).options(db.joinedload(Commitment.user))
        .where(*Commitment.ending_soon(today, days))
        .order_by(Commitment.end_date)
    ).all()


class CommitmentRow(NamedTuple):
    """A commitment as the coordinators' commitment lists show it: plain data (no ORM
    object with its volunteer, application and neighbourhood per row), with what
    ``may_end`` reads (``Commitment``'s own rules)."""

    id: int
    user_id: int
    name: str  # the volunteer's
    role: str
    status: str
    start_date: date
    end_date: date
    ended_on: date | None
    end_reason: str | None
    end_note: str | None
    neighbourhood: str | None  # the application's

    current_status = Commitment.current_status
    is_current_on = Commitment.is_current_on

    @property
    def is_ended_early(self):
        return self.status == ENDED_EARLY


def _commitment_rows(*conditions, order=()):
    """``CommitmentRow``s of the commitments matching ``conditions``, in ``order``."""
    return [CommitmentRow(*row) for row in db.session.execute(
        select(Commitment.id, Commitment.user_id, User.name, Commitment.role,
               Commitment.status, Commitment.start_date, Commitment.end_date,
               Commitment.ended_on, Commitment.end_reason, Commitment.end_note,
               Neighbourhood.name)
        .join(User, User.id == Commitment.user_id)
        .outerjoin(Application, Application.id == Commitment.application_id)
        .outerjoin(Neighbourhood, Neighbourhood.id == Application.neighbourhood_id)
        .where(*conditions).order_by(*order))]


def find_commitments(*, today, search=None, role=None, state=ACTIVE, neighbourhood_id=None,
                     ending_soon=False, page=1, per_page=25):
    """Commitments for coordinators, a page at a time, with what the list shows loaded:
    by the volunteer's name (any order of words, any case, with or without accents), role,
    state, the neighbourhood of the application and "ending soon".

    The total is counted on the commitments alone (joined to the volunteers only to
    search their names), and only the page's 25 rows are read, as ``CommitmentRow``s.

    Without a search, the page is the same for every coordinator: kept in memory
    (``reports.cache.remembered``) until anything is written to the database (sorting
    the 3,000 active volunteers by name is most of the page's SQL at scale).
    """
    arguments = dict(today=today, search=search, role=role, state=state,
                     neighbourhood_id=neighbourhood_id, ending_soon=ending_soon,
                     page=max(page or 1, 1), per_page=per_page)
    if search and search.strip():
        return _find_commitments(**arguments)
    from ..reports.cache import remembered

    return remembered(("volunteering-commitments", *arguments.values()),
                      partial(_find_commitments, **arguments))


def _find_commitments(*, today, search, role, state, neighbourhood_id, ending_soon, page,
                      per_page):
    """``find_commitments`` counted and read."""
    conditions = []
    words = fold(search).split()
    for word in words:
        conditions.append(User.search_text.contains(word, autoescape=True))
    if role:
        conditions.append(Commitment.role == role)
    if state and state != ANY_STATE:
        conditions.append(Commitment.status == state)
    if neighbourhood_id:
        conditions.append(Commitment.application_id.in_(
            select(Application.id).where(Application.neighbourhood_id == neighbourhood_id)))
    order = []
    if ending_soon:
        conditions.extend(Commitment.ending_soon(today))
        order.append(Commitment.end_date)
    elif state == ENDED_EARLY:
        order.append(Commitment.ended_on.desc())
    order += [User.name, Commitment.id]

    counted = select(func.count()).select_from(Commitment)
    if words:
        counted = counted.join(Commitment.user)
    total = db.session.scalar(counted.where(*conditions))
    items = []
    if total > (page - 1) * per_page:
        chosen = (select(Commitment.id).join(Commitment.user).where(*conditions)
                  .order_by(*order).limit(per_page).offset((page - 1) * per_page))
        items = _commitment_rows(Commitment.id.in_(chosen.scalar_subquery()), order=order)
    return ListPage(items, page, per_page, total)


def commitments_at_a_glance(today, limit):
    """The sections under the commitments list, each its first ``limit`` rows (``CommitmentRow``)
    and its total: waiting for training, ending soon, ended early this year (and per
    reason, under "by_reason").

    The same for every coordinator, and counted over all the commitments: kept in memory
    (``reports.cache.remembered``) until anything is written to the database. Two queries
    when counted, whatever the volume.
    """
    from ..reports.cache import remembered

    return remembered(("volunteering-commitments-at-a-glance", today, limit),
                      partial(_count_at_a_glance, today, limit))


def _count_at_a_glance(today, limit):
    """``commitments_at_a_glance`` counted: every total in one query, and the rows of the
    three sections in one (they never overlap: each section is one state)."""
    ended_this_year = (Commitment.status == ENDED_EARLY,
                       Commitment.ended_on >= date(today.year, 1, 1),
                       Commitment.ended_on <= date(today.year, 12, 31))
    # name: (its state, its conditions, its order in SQL, the same order in Python)
    sections = {
        "awaiting": (AWAITING_TRAINING, (Commitment.status == AWAITING_TRAINING,),
                     (Commitment.start_date,), lambda c: (c.start_date, c.id)),
        "ending_soon": (ACTIVE, Commitment.ending_soon(today), (Commitment.end_date,),
                        lambda c: (c.end_date, c.id)),
        "ended": (ENDED_EARLY, ended_this_year, (Commitment.ended_on.desc(),),
                  lambda c: (-c.ended_on.toordinal(), c.id)),
    }
    reasons = (*END_REASONS, LEFT_PROGRAMME)

    def count(*conditions):
        return select(func.count()).select_from(Commitment).where(*conditions)

    totals = in_one_query(
        **{name: count(*conditions) for name, (_s, conditions, _o, _k) in sections.items()},
        **{f"reason_{reason}": count(*ended_this_year, Commitment.end_reason == reason)
           for reason in reasons},
    )
    firsts = union_all(*(
        select(Commitment.id).where(*conditions).order_by(*order, Commitment.id)
        .limit(limit).subquery().select()
        for _s, conditions, order, _k in sections.values()))
    rows = _commitment_rows(Commitment.id.in_(firsts))
    glance = {
        name: (sorted((c for c in rows if c.status == state), key=key), getattr(totals, name))
        for name, (state, _c, _o, key) in sections.items()
    }
    glance["by_reason"] = {r: getattr(totals, f"reason_{r}") for r in reasons}
    return glance
