"""Find anyone in the programme, and one person's whole picture (for coordinators).

Both read only. Each costs a fixed number of queries however many people there are and
however much one person has done: the search loads what a page of rows shows in three
batch queries, and every section of the person page is one query that returns at most
SECTION_LIMIT rows together with how many there are in all (a window count), so a long
list says "and N more" instead of being cut silently.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from ..accounts.models import ROLES, User, UserRole
from ..audit.models import AuditEvent
from ..audit.services import about
from ..awards.models import AwardCategory, Nomination
from ..checkins.models import Checkin
from ..extensions import db
from ..hours.models import APPROVED as HOURS_APPROVED
from ..hours.models import PENDING as HOURS_PENDING
from ..hours.models import HourEntry
from ..mail import SentEmail
from ..matching.models import CURRENT_REQUEST_STATES, OPEN, BuddyRequest, Match
from ..messaging.models import Message, MessageRecipient
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
    """What a row of the search shows about one person beyond their account."""

    commitments: list = field(default_factory=list)
    applications: list = field(default_factory=list)
    requests: list = field(default_factory=list)

    @property
    def neighbourhood(self):
        """The neighbourhood given on a current application or request, if any."""
        for record in (*self.applications, *self.requests,
                       *(c.application for c in self.commitments if c.application)):
            if record.neighbourhood is not None:
                return record.neighbourhood
        return None


@dataclass
class PeoplePage:
    """One page of people, with what the pagination macro asks (as Flask-SQLAlchemy's)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self):
        return max(-(-self.total // self.per_page), 1)

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


@dataclass
class SearchResults:
    page: PeoplePage
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
    # Their roles joined in (the page's users in a subquery), not a query of their own.
    people = db.session.scalars(
        select(User).options(db.joinedload(User.neighbourhood), db.joinedload(User.roles))
        .where(*conditions)
        .order_by(User.name, User.id).limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return SearchResults(PeoplePage(people, page, per_page, total),
                         _standing([user.id for user in people]))


def _standing(user_ids):
    standing = {uid: Standing() for uid in user_ids}
    if not user_ids:
        return standing
    commitments = db.session.scalars(
        select(Commitment)
        .options(db.joinedload(Commitment.application).joinedload(Application.neighbourhood))
        .where(Commitment.user_id.in_(user_ids),
               Commitment.status.in_(CURRENT_COMMITMENT_STATES))
        .order_by(Commitment.start_date))
    for commitment in commitments:
        standing[commitment.user_id].commitments.append(commitment)
    applications = db.session.scalars(
        select(Application).options(db.joinedload(Application.neighbourhood))
        .where(Application.user_id.in_(user_ids),
               Application.status.in_(OPEN_APPLICATION_STATES))
        .order_by(Application.submitted_at))
    for application in applications:
        standing[application.user_id].applications.append(application)
    requests = db.session.scalars(
        select(BuddyRequest).options(db.joinedload(BuddyRequest.neighbourhood))
        .where(BuddyRequest.user_id.in_(user_ids),
               BuddyRequest.status.in_(CURRENT_REQUEST_STATES))
        .order_by(BuddyRequest.created_at))
    for buddy_request in requests:
        standing[buddy_request.user_id].requests.append(buddy_request)
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
