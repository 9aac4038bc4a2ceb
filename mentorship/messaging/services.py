"""Writing to a group: who is in it, the preview, sending once, and the messages sent."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app, render_template
from flask_babel import force_locale, get_timezone
from sqlalchemy import func, select

from ..accounts.models import User
from ..audit.services import record
from ..database import ListPage, add_once, utcnow
from ..errors import DomainError
from ..extensions import db
from ..formatting import format_moment
from ..i18n import current_locale, language_name
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..mail import send_email
from ..matching.models import OPEN as REQUEST_OPEN
from ..matching.models import BuddyRequest, Match
from ..programme.models import Neighbourhood
from ..programme.services import get_settings
from ..training.models import (
    MARKABLE_ENROLLMENT_STATES,
    WAITLISTED,
    Enrollment,
    TrainingModule,
    TrainingSession,
)
from ..volunteering.models import ACTIVE as COMMITMENT_ACTIVE
from ..volunteering.models import ROLE_CODES, ROLE_NAMES, Application, Commitment
from .models import (
    GROUPS,
    MATCH,
    NEWCOMERS_WAITING,
    OPTIONAL,
    PERSON,
    SESSION_ENROLLED,
    SESSION_WAITLISTED,
    TOKEN_MAX,
    VOLUNTEERS,
    Message,
    MessageRecipient,
)

# The preview names this many recipients, then says how many more there are.
PREVIEW_NAMES = 50
# The session list of the compose form: sessions from this many days ago onwards.
SESSION_CHOICE_DAYS = 60
SENT_PER_PAGE = 20
RECIPIENTS_PER_PAGE = 50
EMAIL_TEMPLATE = "group_message"


class MessageError(DomainError):
    """A refused message (``field``: the form field it is about, if any)."""


EMPTY_GROUP = _l("Nobody in this group can receive a message. Please choose another group.")


@dataclass(frozen=True)
class Group:
    """Who a message is for: the kind of group and the ids that narrow it."""

    kind: str | None = None
    session_id: int | None = None
    role: str | None = None
    neighbourhood_id: int | None = None
    match_id: int | None = None
    person_id: int | None = None

    def params(self):
        """The ids that matter for this kind of group (the others are ignored)."""
        names = {SESSION_ENROLLED: ("session_id",), SESSION_WAITLISTED: ("session_id",),
                 VOLUNTEERS: ("role", "neighbourhood_id"),
                 NEWCOMERS_WAITING: ("role", "neighbourhood_id"),
                 MATCH: ("match_id",), PERSON: ("person_id",)}.get(self.kind, ())
        return {name: getattr(self, name) for name in names if getattr(self, name)}


def moment_text(value):
    """``format_moment(value)``, written once per language and time zone: the compose page
    names the same training sessions and messages on every request (a few dozen moments,
    Babel ~80 µs each)."""
    return _moment_text(value, str(current_locale()), str(get_timezone()))


@lru_cache(maxsize=4096)
def _moment_text(value, locale, zone):
    # The request's locale and zone are part of the key: format_moment reads them.
    return format_moment(value)


def describe_group(kind, names):
    """The group in words, in the reader's language, from the names kept at sending."""
    names = names or {}
    if kind in (SESSION_ENROLLED, SESSION_WAITLISTED):
        starts_at = names.get("starts_at")
        when = moment_text(datetime.fromisoformat(starts_at)) if starts_at else ""
        if kind == SESSION_ENROLLED:
            return _("People with a seat in “%(session)s”, %(when)s",
                     session=names.get("session", ""), when=when)
        return _("Waiting list of “%(session)s”, %(when)s", session=names.get("session", ""),
                 when=when)
    if kind in (VOLUNTEERS, NEWCOMERS_WAITING):
        role = ROLE_NAMES[names["role"]] if names.get("role") in ROLE_NAMES else None
        place = names.get("neighbourhood")
        if kind == VOLUNTEERS:
            if role and place:
                return _("Active volunteers: %(role)s, in %(neighbourhood)s", role=role,
                         neighbourhood=place)
            if role:
                return _("Active volunteers: %(role)s", role=role)
            if place:
                return _("Active volunteers in %(neighbourhood)s", neighbourhood=place)
            return _("All active volunteers")
        if role and place:
            return _("Newcomers waiting for help (%(role)s), in %(neighbourhood)s", role=role,
                     neighbourhood=place)
        if role:
            return _("Newcomers waiting for help (%(role)s)", role=role)
        if place:
            return _("Newcomers waiting for a buddy in %(neighbourhood)s", neighbourhood=place)
        return _("All newcomers waiting for a buddy")
    if kind == MATCH:
        return _("%(volunteer)s and %(newcomer)s (their match)",
                 volunteer=names.get("volunteer", ""), newcomer=names.get("newcomer", ""))
    if kind == PERSON:
        return names.get("person", "")
    return ""


# Who is in a group -------------------------------------------------------------------


def resolve(group):
    """Check the group's choices; the names that describe it (kept with the message)."""
    if group.kind not in GROUPS:
        raise MessageError(_l("Please choose who the message is for."), "group")
    if group.kind in (SESSION_ENROLLED, SESSION_WAITLISTED):
        row = db.session.execute(
            select(TrainingModule.title, TrainingSession.starts_at)
            .join(TrainingModule, TrainingModule.id == TrainingSession.module_id)
            .where(TrainingSession.id == (group.session_id or 0))).first()
        if row is None:
            raise MessageError(_l("Please choose the training session."), "session_id")
        return {"session": row.title, "starts_at": row.starts_at.isoformat()}
    if group.kind in (VOLUNTEERS, NEWCOMERS_WAITING):
        names = {}
        if group.role:
            if group.role not in ROLE_CODES:
                raise MessageError(_l("Please choose one of the roles."), "role")
            names["role"] = group.role
        if group.neighbourhood_id:
            place = db.session.get(Neighbourhood, group.neighbourhood_id)
            if place is None:
                raise MessageError(_l("Please choose one of the neighbourhoods."),
                                   "neighbourhood_id")
            names["neighbourhood"] = place.name
        return names
    if group.kind == MATCH:
        match = db.session.get(Match, group.match_id or 0)
        if match is None:
            raise MessageError(_l("Please open the match on the matching board and choose "
                                  "“Write to them” there."), "group")
        return {"volunteer": match.volunteer.name, "newcomer": match.newcomer.name}
    person = db.session.get(User, group.person_id or 0)
    if person is None or person.is_erased:
        raise MessageError(_l("Please open the person's page (People) and choose “Write to "
                              "this person” there."), "group")
    return {"person": person.name}


def _member_ids(group, today):
    """SQL: the ids of the people in the group, before accounts and preferences."""
    if group.kind in (SESSION_ENROLLED, SESSION_WAITLISTED):
        states = MARKABLE_ENROLLMENT_STATES if group.kind == SESSION_ENROLLED else (WAITLISTED,)
        return select(Enrollment.user_id).where(Enrollment.session_id == group.session_id,
                                                Enrollment.status.in_(states))
    if group.kind == VOLUNTEERS:
        # Where a volunteer serves: the neighbourhood of their application, else their own.
        place = func.coalesce(Application.neighbourhood_id, User.neighbourhood_id)
        query = (select(Commitment.user_id)
                 .join(User, User.id == Commitment.user_id)
                 .outerjoin(Application, Application.id == Commitment.application_id)
                 .where(Commitment.status == COMMITMENT_ACTIVE, Commitment.end_date > today))
        if group.role:
            query = query.where(Commitment.role == group.role)
        if group.neighbourhood_id:
            query = query.where(place == group.neighbourhood_id)
        return query
    if group.kind == NEWCOMERS_WAITING:
        place = func.coalesce(BuddyRequest.neighbourhood_id, User.neighbourhood_id)
        query = (select(BuddyRequest.user_id).join(User, User.id == BuddyRequest.user_id)
                 .where(BuddyRequest.status == REQUEST_OPEN))
        if group.role:
            query = query.where(BuddyRequest.role == group.role)
        if group.neighbourhood_id:
            query = query.where(place == group.neighbourhood_id)
        return query
    if group.kind == MATCH:
        return (select(Match.volunteer_id).where(Match.id == group.match_id)
                .union(select(Match.newcomer_id).where(Match.id == group.match_id)))
    return select(User.id).where(User.id == group.person_id)


def _reachable(group, today):
    """SQL conditions: in the group, and an account that may be written to."""
    return (User.id.in_(_member_ids(group, today)), User.is_enabled.is_(True),
            User.erased_at.is_(None))


def recipients(group, kind, today):
    """The people a message of ``kind`` to ``group`` goes to now, by name: enabled accounts
    in the group; for an optional message only those who accept optional emails."""
    query = select(User).where(*_reachable(group, today))
    if kind == OPTIONAL:
        query = query.where(User.optional_emails.is_(True))
    return db.session.scalars(query.order_by(User.name, User.id)).all()


def _declined_optional(group, kind, today):
    if kind != OPTIONAL:
        return 0
    return db.session.scalar(select(func.count()).select_from(User).where(
        *_reachable(group, today), User.optional_emails.is_(False)))


# The text ----------------------------------------------------------------------------


def clean_texts(texts, default_locale):
    """The languages written, {code: {"subject", "body"}}: the programme's default
    language is required, and a subject goes with a body."""
    written = {}
    for code, (subject, body) in texts.items():
        subject = " ".join((subject or "").split())  # one line: it becomes an email header
        body = (body or "").replace("\r\n", "\n").strip()
        if subject and not body:
            raise MessageError(_l("Please write the message that goes with this subject."),
                               f"body_{code}")
        if body and not subject:
            raise MessageError(_l("Please give the message a subject."), f"subject_{code}")
        if body:
            written[code] = {"subject": subject, "body": body}
    if not written:
        raise MessageError(_l("Please write the message."), f"body_{default_locale}")
    if default_locale not in written:
        raise MessageError(
            _l("Please write the message in %(language)s, the programme's language: everyone "
               "whose language you did not write gets it.",
               language=language_name(default_locale)), f"body_{default_locale}")
    return written


def _locale_for(person, texts, default_locale):
    return person.locale if person.locale in texts else default_locale


def email_context(person, body, kind):
    return {"person": person, "body": body, "optional": kind == OPTIONAL}


# Preview -----------------------------------------------------------------------------


@dataclass
class Preview:
    """What sending would do now: how many people, in which language, who to call."""

    description: str
    count: int
    emailed: int
    by_language: list = field(default_factory=list)  # [(code, count)] most first
    to_call: list = field(default_factory=list)  # people without an email address
    declined_optional: int = 0
    people: list = field(default_factory=list)  # the first PREVIEW_NAMES recipients
    sample_person: User | None = None
    sample_locale: str | None = None
    sample_subject: str = ""
    sample_text: str = ""

    @property
    def more(self):
        return self.count - len(self.people)


def preview(group, kind, texts, today):
    """The recipients and the message as the first of them will read it (nothing sent)."""
    default_locale = get_settings().default_locale
    names = resolve(group)
    written = clean_texts(texts, default_locale)
    people = recipients(group, kind, today)
    declined = _declined_optional(group, kind, today)
    if not people:
        raise MessageError(_everyone_declined() if declined else EMPTY_GROUP, "group")
    languages = {}
    for person in people:
        code = _locale_for(person, written, default_locale)
        languages[code] = languages.get(code, 0) + 1
    sample = people[0]
    code = _locale_for(sample, written, default_locale)
    with force_locale(code):
        text = render_template(f"emails/{EMAIL_TEMPLATE}.txt",
                               **email_context(sample, written[code]["body"], kind))
    return Preview(
        description=describe_group(group.kind, names), count=len(people),
        emailed=sum(1 for person in people if person.email),
        by_language=sorted(languages.items(), key=lambda item: (-item[1], item[0])),
        to_call=[person for person in people if not person.email],
        declined_optional=declined, people=people[:PREVIEW_NAMES], sample_person=sample,
        sample_locale=code, sample_subject=written[code]["subject"], sample_text=text)


def _everyone_declined():
    return _l("Everyone in this group has chosen not to receive optional emails. Send it "
              "as an operational message only if it is about their training, match or "
              "commitment.")


# Sending -----------------------------------------------------------------------------


def _sent_with(token):
    return db.session.scalar(select(Message).where(Message.token == token))


def send_message(actor, *, token, group, kind, texts, today):
    """Send the message to everyone in the group now; (message, True).

    The form's one-time token makes a double click or a repeated post send once: the
    second gets (the message already sent, False) and nothing more is sent.
    """
    if not token or len(token) > TOKEN_MAX:
        raise MessageError(_l("This form is incomplete. Please open the page again."))
    existing = _sent_with(token)
    if existing is not None:
        return existing, False
    default_locale = get_settings().default_locale
    names = resolve(group)
    written = clean_texts(texts, default_locale)
    people = recipients(group, kind, today)
    if not people:
        declined = _declined_optional(group, kind, today)
        raise MessageError(_everyone_declined() if declined else EMPTY_GROUP, "group")
    message = Message(token=token, sender_id=actor.id, group_kind=group.kind,
                      group_params=group.params(), group_names=names, kind=kind,
                      texts=written, default_locale=default_locale, sent_at=utcnow(),
                      recipient_count=len(people),
                      emailed_count=sum(1 for person in people if person.email))
    if not add_once(message):
        # The unique token refused it: the same form was sent at the same moment, and
        # that one is sending. Only the savepoint is undone.
        return _sent_with(token), False
    for person in people:
        code = _locale_for(person, written, default_locale)
        db.session.add(MessageRecipient(message_id=message.id, user_id=person.id,
                                        locale=code, emailed=bool(person.email)))
        if person.email:
            send_email(person.email, written[code]["subject"], EMAIL_TEMPLATE, locale=code,
                       **email_context(person, written[code]["body"], kind))
    record(actor, "message.sent", message, None, group=group.kind, **group.params(),
           recipients=message.recipient_count, emailed=message.emailed_count)
    return message, True


# Reading -----------------------------------------------------------------------------


def session_choices(now, include_id=None):
    """Training sessions a coordinator may write to: recent and upcoming ones (and the
    one the page was opened for), soonest first."""
    since = now - timedelta(days=SESSION_CHOICE_DAYS)
    condition = TrainingSession.starts_at >= since
    if include_id:
        condition = condition | (TrainingSession.id == include_id)
    return db.session.execute(
        select(TrainingSession.id, TrainingSession.starts_at, TrainingModule.title)
        .join(TrainingModule, TrainingModule.id == TrainingSession.module_id)
        .where(condition).order_by(TrainingSession.starts_at, TrainingSession.id)).all()


@dataclass
class SentMessage:
    """A row of the messages sent: the columns the list shows, and the model's own rules
    for the text a reader gets and the people to call."""

    id: int
    group_kind: str
    group_names: dict
    texts: dict
    default_locale: str
    recipient_count: int
    emailed_count: int
    sent_at: datetime
    sender_name: str | None

    text_for = Message.text_for
    to_call_count = Message.to_call_count


def sent_messages(page=1, per_page=SENT_PER_PAGE):
    """The messages sent, newest first, with who sent them: the columns the list shows
    (not the sender's account nor the message's token), counted on the table alone."""
    page = max(page or 1, 1)
    rows = db.session.execute(
        select(Message.id, Message.group_kind, Message.group_names, Message.texts,
               Message.default_locale, Message.recipient_count, Message.emailed_count,
               Message.sent_at, User.name)
        .outerjoin(User, User.id == Message.sender_id)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(per_page).offset((page - 1) * per_page))
    return ListPage([SentMessage(*row) for row in rows], page, per_page,
                    db.session.scalar(select(func.count()).select_from(Message)))


def message_recipients(message_id, page=1, per_page=RECIPIENTS_PER_PAGE):
    """Who a message was for: the people to call first, then by name."""
    query = (select(MessageRecipient).join(MessageRecipient.user)
             .options(db.contains_eager(MessageRecipient.user))
             .where(MessageRecipient.message_id == message_id)
             .order_by(MessageRecipient.emailed, User.name, User.id))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def messages_to(user_id, page=1, per_page=10):
    """The messages sent to one person (their page), newest first."""
    query = (select(MessageRecipient).join(MessageRecipient.message)
             .options(db.contains_eager(MessageRecipient.message)
                      .joinedload(Message.sender))
             .where(MessageRecipient.user_id == user_id)
             .order_by(Message.sent_at.desc(), Message.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def interface_locales(default_locale):
    """The languages a message may be written in, the programme's own first."""
    locales = list(current_app.config["LANGUAGES"])
    if default_locale in locales:
        locales.remove(default_locale)
        locales.insert(0, default_locale)
    return locales
