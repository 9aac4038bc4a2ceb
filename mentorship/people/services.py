"""Find anyone in the programme, and one person's whole picture (for coordinators).

Both read only. Each costs a fixed number of queries however many people there are and
however much one person has done: the search loads what a page of rows shows in three
batch queries, and every section of the person page is one query that returns at most
SECTION_LIMIT rows together with how many there are in all (a window count), so a long
list says "and N more" instead of being cut silently.
"""

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import (
    Date,
    DateTime,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from ..accounts.models import ROLES, User, UserRole
from ..audit.models import AuditEvent
from ..audit.services import about
from ..awards.models import AwardCategory, Nomination
from ..checkins.models import Checkin
from ..database import ListPage
from ..extensions import db
from ..hours.models import APPROVED as HOURS_APPROVED
from ..hours.models import PENDING as HOURS_PENDING
from ..hours.models import HourEntry
from ..i18n import lazy_gettext as _l
from ..mail import SentEmail
from ..matching.models import CURRENT_REQUEST_STATES, OPEN, BuddyRequest, Match
from ..messaging.models import Message, MessageRecipient
from ..programme.models import Neighbourhood
from ..recognition.models import Pass, Perk
from ..search import digits, fold
from ..training.models import Certificate, Enrollment, ModuleCompletion, TrainingSession
from ..volunteering.models import (
    ACTIVE,
    AWAITING_TRAINING,
    CURRENT_COMMITMENT_STATES,
    OPEN_APPLICATION_STATES,
    Application,
    Commitment,
)

PER_PAGE = 25
# Rows shown per section of the person page; the others are counted.
SECTION_LIMIT = 10
# A query with at least this many digits also looks for them in phone numbers.
MIN_PHONE_DIGITS = 3

# The search's status filter: a small set a coordinator asks about every day. The first
# three are about the account, the others about where the person stands in the programme.
STATUSES = ("enabled", "disabled", "erased", "applied", "awaiting_training", "serving",
            "waiting_buddy")
STATUS_LABELS = {
    "enabled": _l("Account enabled"),
    "disabled": _l("Account disabled"),
    "erased": _l("Erased"),
    "applied": _l("Application waiting for a decision"),
    "awaiting_training": _l("Waiting for training"),
    "serving": _l("Active volunteer"),
    "waiting_buddy": _l("Waiting for a buddy"),
}
# What a matched newcomer sees of a volunteer's contact details (User.shares_contact),
# said about the volunteer rather than by them.
SHARES_CONTACT_SUMMARY = {
    "email": _l("Their email address"),
    "phone": _l("Their phone number"),
    "office": _l("Nothing: the newcomer reaches them through the coordinator"),
}


def text_condition(query):
    """SQL: people whose name, email, sign-in name or phone contains every word of
    ``query`` (accents and case aside), or whose phone holds its digits (3 or more;
    "06 12 34" also finds "+33 6 12 34…" without the national 0). None: no condition."""
    words = fold(query).split()
    conditions = []
    if words:
        conditions.append(and_(*(User.search_text.contains(word, autoescape=True)
                                 for word in words)))
    number = digits(query)
    if len(number) >= MIN_PHONE_DIGITS:
        numbers = {number}
        if number.startswith("0") and len(number) > MIN_PHONE_DIGITS:
            numbers.add(number[1:])
        conditions.extend(User.search_text.contains(n, autoescape=True)
                          for n in sorted(numbers))
    return or_(*conditions) if conditions else None


def status_condition(status, today):
    """SQL for one of STATUSES (None for an unknown one: no filter)."""
    # "id IN (subquery)", not a correlated EXISTS: the database finds the few people in a
    # state once, instead of probing every account (50,000 probes on SQLite).
    def holding(column, *conditions):
        return User.id.in_(select(column).where(*conditions))

    conditions = {
        "enabled": User.is_enabled.is_(True),
        "disabled": and_(User.is_enabled.is_(False), User.erased_at.is_(None)),
        "erased": User.erased_at.is_not(None),
        "applied": holding(Application.user_id,
                           Application.status.in_(OPEN_APPLICATION_STATES)),
        "awaiting_training": holding(Commitment.user_id,
                                     Commitment.status == AWAITING_TRAINING),
        # As Commitment.current_status: an active commitment past its end is served.
        "serving": holding(Commitment.user_id, Commitment.status == ACTIVE,
                           Commitment.end_date > today),
        "waiting_buddy": holding(BuddyRequest.user_id, BuddyRequest.status == OPEN),
    }
    return conditions.get(status)


def neighbourhood_condition(neighbourhood_id):
    """SQL: people of a neighbourhood: their account's, or that of an application or a
    current buddy request of theirs (volunteers and newcomers give it there)."""
    return or_(
        User.neighbourhood_id == neighbourhood_id,
        User.id.in_(select(Application.user_id)
                    .where(Application.neighbourhood_id == neighbourhood_id)),
        User.id.in_(select(BuddyRequest.user_id)
                    .where(BuddyRequest.neighbourhood_id == neighbourhood_id,
                           BuddyRequest.status.in_(CURRENT_REQUEST_STATES))),
    )


@dataclass
class Standing:
    """What a row of the search shows about one person beyond their account: ``(role,
    state)`` pairs of their current commitments (state as of today), open applications
    and current buddy requests, and the neighbourhood named on one of them."""

    commitments: list = field(default_factory=list)
    applications: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    neighbourhood: str | None = None


@dataclass
class PersonRow:
    """One person of the search, as the row shows them (not the User: a page of 25 reads
    only these columns)."""

    id: int
    name: str
    contact: str | None  # their email, or the sign-in name of someone without one
    roles: list  # account roles, sorted
    is_enabled: bool
    erased_at: object
    neighbourhood: str | None  # their account's

    @property
    def is_erased(self):
        return self.erased_at is not None


@dataclass
class SearchResults:
    page: ListPage
    standing: dict  # user id → Standing


def search(*, query="", role=None, status=None, neighbourhood_id=None, today, page=1,
           per_page=PER_PAGE):
    """One page of people, by name, with their current commitments, open applications and
    current buddy requests: the same number of queries for 10 or 50,000 people."""
    conditions = [condition for condition in (
        text_condition(query) if query else None,
        User.id.in_(select(UserRole.user_id).where(UserRole.role == role))
        if role in ROLES else None,
        status_condition(status, today) if status else None,
        neighbourhood_condition(neighbourhood_id) if neighbourhood_id else None,
    ) if condition is not None]
    page = max(page or 1, 1)
    # Counted on the users table alone (the page's query joins their neighbourhood).
    total = db.session.scalar(select(func.count()).select_from(User).where(*conditions))
    # The page's people (by the name index) in a subquery, their roles joined in.
    chosen = (select(User.id).where(*conditions).order_by(User.name, User.id)
              .limit(per_page).offset((page - 1) * per_page).subquery())
    rows = db.session.execute(
        select(User.id, User.name, User.email, User.sign_in_name, User.is_enabled,
               User.erased_at, Neighbourhood.name.label("place"),
               func.aggregate_strings(UserRole.role, " ").label("roles"))
        .join(chosen, chosen.c.id == User.id)
        .outerjoin(Neighbourhood, Neighbourhood.id == User.neighbourhood_id)
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .group_by(User.id, Neighbourhood.name)
        .order_by(User.name, User.id))
    people = [PersonRow(row.id, row.name, row.email or row.sign_in_name,
                        sorted(row.roles.split()) if row.roles else [], row.is_enabled,
                        row.erased_at, row.place)
              for row in rows]
    return SearchResults(ListPage(people, page, per_page, total),
                         _standing([person.id for person in people], today))


@cache
def _standing_statement():
    """One statement for the three kinds of record a row shows, each in its own order, for
    the ``user_ids`` bound at execution: built once, not per request."""
    user_ids = bindparam("user_ids", expanding=True)

    def rows(kind, model, source, place_of, *conditions, at=None, on=None):
        return (select(literal_column(str(kind)).label("kind"), model.user_id, model.role,
                       model.status,
                       # NULLs cast in SQL: PostgreSQL types a bare NULL of two branches
                       # as text before it meets the third branch's dates.
                       (model.end_date if on is not None else cast(null(), Date))
                       .label("end_date"),
                       Neighbourhood.name.label("place"),
                       (at if at is not None else cast(null(), DateTime)).label("at"),
                       (on if on is not None else cast(null(), Date)).label("on"))
                .select_from(source.outerjoin(Neighbourhood, Neighbourhood.id == place_of))
                .where(model.user_id.in_(user_ids), *conditions))
    return union_all(
        rows(0, Application, Application.__table__, Application.neighbourhood_id,
             Application.status.in_(OPEN_APPLICATION_STATES), at=Application.submitted_at),
        rows(1, BuddyRequest, BuddyRequest.__table__, BuddyRequest.neighbourhood_id,
             BuddyRequest.status.in_(CURRENT_REQUEST_STATES), at=BuddyRequest.created_at),
        rows(2, Commitment, Commitment.__table__.outerjoin(
                 Application.__table__, Application.id == Commitment.application_id),
             Application.neighbourhood_id,
             Commitment.status.in_(CURRENT_COMMITMENT_STATES), on=Commitment.start_date),
    ).order_by("kind", "at", "on")


def _standing(user_ids, today):
    standing = {uid: Standing() for uid in user_ids}
    if not user_ids:
        return standing
    found = db.session.execute(_standing_statement(), {"user_ids": user_ids})
    # The neighbourhood a row shows after the account's: that of an open application,
    # else of a current buddy request, else of the application a commitment came from.
    for row in found:
        of = standing[row.user_id]
        if row.kind == 0:
            of.applications.append((row.role, row.status))
        elif row.kind == 1:
            of.requests.append((row.role, row.status))
        else:
            # The model's own rule, read from the row's status and end date.
            of.commitments.append((row.role, Commitment.current_status(row, today)))
        of.neighbourhood = of.neighbourhood or row.place
    return standing


# One person ---------------------------------------------------------------------------


@dataclass
class Capped:
    """The first rows of a section and how many others there are."""

    rows: list
    more: int = 0

    def __iter__(self):
        return iter(self.rows)

    def __bool__(self):
        return bool(self.rows)

    @property
    def total(self):
        return len(self.rows) + self.more


def _capped(statement, limit=SECTION_LIMIT):
    """The first ``limit`` rows of ``statement`` (an ORM select of one entity, ordered)
    and the count of all of them, in one query."""
    found = db.session.execute(
        statement.add_columns(func.count().over().label("total")).limit(limit)).all()
    total = found[0].total if found else 0
    return Capped([row[0] for row in found], total - len(found))


@dataclass
class Picture:
    """Everything a coordinator sees about one person (only ``person`` when erased)."""

    person: User
    applications: Capped = None
    commitments: Capped = None
    completions: Capped = None
    enrolments: Capped = None
    certificates: Capped = None
    requests: Capped = None
    matches: Capped = None
    checkins: Capped = None
    hours: dict = None
    passes: Capped = None
    nominations_made: Capped = None
    nominations_received: Capped = None
    emails: Capped = None
    # Team messages they did not get by email (no address): to be passed on by phone.
    untold: Capped = None
    audit: Capped = None


def person_picture(user_id):
    """One person's whole picture, or None if there is nobody with this id. A fixed number
    of queries, whatever the person has done."""
    person = db.session.scalar(
        select(User).options(db.joinedload(User.neighbourhood), db.selectinload(User.languages))
        .where(User.id == user_id))
    if person is None or person.is_erased:
        return person and Picture(person)
    uid = person.id
    return Picture(
        person,
        applications=_capped(
            select(Application).where(Application.user_id == uid)
            .order_by(Application.submitted_at.desc(), Application.id.desc())),
        commitments=_capped(
            select(Commitment).where(Commitment.user_id == uid)
            .order_by(Commitment.start_date.desc(), Commitment.id.desc())),
        completions=_capped(
            select(ModuleCompletion).options(db.joinedload(ModuleCompletion.module))
            .where(ModuleCompletion.user_id == uid)
            .order_by(ModuleCompletion.completed_on.desc(), ModuleCompletion.id.desc())),
        enrolments=_capped(
            select(Enrollment)
            .join(Enrollment.session)
            .options(db.contains_eager(Enrollment.session).joinedload(TrainingSession.module))
            .where(Enrollment.user_id == uid)
            .order_by(TrainingSession.starts_at.desc(), Enrollment.id.desc())),
        certificates=_capped(
            select(Certificate).where(Certificate.user_id == uid)
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())),
        requests=_capped(
            select(BuddyRequest).options(db.joinedload(BuddyRequest.neighbourhood))
            .where(BuddyRequest.user_id == uid)
            .order_by(BuddyRequest.created_at.desc(), BuddyRequest.id.desc())),
        matches=_capped(
            select(Match).options(db.joinedload(Match.volunteer), db.joinedload(Match.newcomer),
                                  db.joinedload(Match.request),
                                  db.selectinload(Match.open_flags))  # the badge
            .where(or_(Match.volunteer_id == uid, Match.newcomer_id == uid))
            .order_by(Match.created_at.desc(), Match.id.desc())),
        checkins=_capped(
            select(Checkin).options(db.joinedload(Checkin.match).joinedload(Match.volunteer),
                                    db.joinedload(Checkin.match).joinedload(Match.newcomer))
            .where(Checkin.person_id == uid)
            .order_by(Checkin.opens_on.desc(), Checkin.id.desc())),
        hours=_hours(uid),
        passes=_capped(
            select(Pass).options(db.joinedload(Pass.perk).joinedload(Perk.partner))
            .where(Pass.user_id == uid)
            .order_by(Pass.issued_at.desc(), Pass.id.desc())),
        nominations_made=_capped(
            select(Nomination).options(db.joinedload(Nomination.nominee),
                                       db.joinedload(Nomination.category)
                                       .joinedload(AwardCategory.cycle))
            .where(Nomination.nominator_id == uid)
            .order_by(Nomination.created_at.desc(), Nomination.id.desc())),
        nominations_received=_capped(
            select(Nomination).options(db.joinedload(Nomination.nominator),
                                       db.joinedload(Nomination.category)
                                       .joinedload(AwardCategory.cycle))
            .where(Nomination.nominee_id == uid)
            .order_by(Nomination.created_at.desc(), Nomination.id.desc())),
        emails=_capped(
            select(SentEmail).where(SentEmail.recipient_id == uid)
            .order_by(SentEmail.sent_at.desc(), SentEmail.id.desc())),
        untold=_capped(
            select(MessageRecipient).join(MessageRecipient.message)
            .options(db.contains_eager(MessageRecipient.message))
            .where(MessageRecipient.user_id == uid, MessageRecipient.emailed.is_(False))
            .order_by(Message.sent_at.desc(), MessageRecipient.id.desc())),
        audit=_capped(
            select(AuditEvent).options(db.joinedload(AuditEvent.actor))
            .where(about(uid)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())),
    )


def _hours(user_id):
    """Approved minutes, and how many entries wait for verification with their minutes."""
    pending = HourEntry.status == HOURS_PENDING
    row = db.session.execute(select(
        func.coalesce(func.sum(case((HourEntry.status == HOURS_APPROVED, HourEntry.minutes),
                                    else_=0)), 0),
        func.coalesce(func.sum(case((pending, 1), else_=0)), 0),
        func.coalesce(func.sum(case((pending, HourEntry.minutes), else_=0)), 0),
    ).where(HourEntry.user_id == user_id)).one()
    return {"approved_minutes": int(row[0]), "pending_count": int(row[1]),
            "pending_minutes": int(row[2])}
