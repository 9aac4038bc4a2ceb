"""Anonymising an erased person: their account row, the free texts written by or about
them, and every text of every row that refers to them (found in the metadata, so a
future table is covered without a change here). The consents they gave stay, as proof.

The audit log goes first (``redact_audit``), before erasure deletes or unlinks anything:
an entry about a nomination deleted later must still be found as theirs.
"""

import re

from sqlalchemy import JSON, String, or_, select, update

from ..accounts.models import ADMIN, COORDINATOR, PARTNER, LanguageSkill, SignIn, UserRole
from ..audit.models import AuditEvent
from ..audit.services import about, record_gone
from ..awards.models import AwardCategory, Nomination, Vote
from ..database import conditional_update, folded, is_sqlite, utcnow
from ..extensions import db
from ..hours.models import HourEntry
from ..mail import OutgoingEmail, SentEmail
from ..matching.models import BuddyRequest, Match
from ..messaging.models import Message, MessageRecipient
from ..people.models import Invitation
from ..recognition.models import PartnerStaff, Pass
from ..training.models import CalendarFeed, Certificate
from ..volunteering.models import Application, Commitment

# Not a hash werkzeug knows: check_password_hash is False for every password.
UNUSABLE_PASSWORD = "!erased"  # noqa: S105  # nosec B105
# A shorter "phone number" is not searched for in texts (it would match dates and ids).
MIN_PHONE_DIGITS = 6


def placeholder_name(user_id):
    return f"Former participant {user_id}"


def redact_audit(person):
    """The notes (``message``) of the audit entries about the person or their records
    are removed; their name, email and phone go from the other texts of those entries,
    of the entries they wrote, of entries about any record referring to them, and of
    entries whose record is gone (nobody can tell any more whom those were about).
    Call it before anything of theirs is deleted or unlinked."""
    conditional_update(update(AuditEvent).where(about(person.id)).values(message=None))
    pattern, needles = _identifiers(person)
    _scrub_rows(AuditEvent.__table__, or_(
        AuditEvent.actor_id == person.id, about(person.id, every_link=True), record_gone()),
        pattern, needles, placeholder_name(person.id))


def anonymise(person):
    """Remove the person's name, contact details and free texts about them; keep the
    anonymous facts (and the consents they gave, as proof). The audit log is done
    already (``redact_audit``)."""
    name = placeholder_name(person.id)
    pattern, needles = _identifiers(person)
    _clear_notes(person.id, name)
    _scrub_linked_rows(person.id, pattern, needles, name)
    # Other volunteers' notes about meetings with the person may use their first name.
    first = _identifiers(person, first_name=True)
    _scrub_rows(HourEntry.__table__, HourEntry.match_id.in_(_matches_of(person.id)),
                *first, name)
    # Messages the team wrote to them (alone or with their match) name them in the
    # group's description and maybe in the text.
    _scrub_rows(Message.__table__, Message.id.in_(select(MessageRecipient.message_id).where(
        MessageRecipient.user_id == person.id)), pattern, needles, name)
    for model, column in ((SentEmail, SentEmail.recipient_id), (SignIn, SignIn.user_id),
                          (OutgoingEmail, OutgoingEmail.recipient_id),
                          (Invitation, Invitation.user_id),
                          (LanguageSkill, LanguageSkill.user_id),
                          (CalendarFeed, CalendarFeed.user_id),
                          (PartnerStaff, PartnerStaff.user_id)):
        conditional_update(db.delete(model).where(column == person.id))
    conditional_update(db.delete(UserRole).where(
        UserRole.user_id == person.id, UserRole.role.in_((COORDINATOR, ADMIN, PARTNER))))
    db.session.expire(person, ["roles", "languages"])
    now = utcnow()
    person.name, person.email = name, f"erased-{person.id}@erased.invalid"
    person.sign_in_name = None
    person.phone = person.locale = person.neighbourhood_id = person.disabled_reason = None
    person.optional_emails = person.public_thanks = False
    person.shares_contact, person.password_hash = "office", UNUSABLE_PASSWORD
    person.is_enabled, person.erased_at = False, now
    person.disabled_at = person.disabled_at or now


def _identifiers(person, first_name=False):
    """A pattern finding the person's name (a whole word), email or phone in a text, and
    the lower-case pieces a database search narrows the rows with."""
    pieces = [person.first_name if first_name else person.name, person.email]
    digits = sum(ch.isdigit() for ch in person.phone or "")
    if digits >= MIN_PHONE_DIGITS:
        pieces.append(person.phone)
    pieces = [piece.strip() for piece in pieces if piece and piece.strip()]
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(p)}(?!\w)" for p in pieces),
                         re.IGNORECASE)
    fold = str.casefold if is_sqlite() else str.lower  # what database.folded() does
    return pattern, [fold(piece) for piece in pieces]


def _matches_of(uid):
    return select(Match.id).where(or_(Match.volunteer_id == uid, Match.newcomer_id == uid))


def _clear_notes(uid, name):
    """Free texts written by or about the person, wherever they are."""
    for model, where, values in (
            (HourEntry, HourEntry.user_id == uid, {"note": None, "decision_reason": None}),
            (Application, Application.user_id == uid,
             {"motivation": "", "decision_message": None, "neighbourhood_id": None}),
            (BuddyRequest, BuddyRequest.user_id == uid,
             {"note": None, "needs": [], "neighbourhood_id": None}),
            (Commitment, Commitment.user_id == uid, {"end_note": None}),
            (Certificate, Certificate.user_id == uid,
             {"holder_name": name, "revoked_reason": None}),
            (Pass, Pass.user_id == uid, {"revoked_reason": None}),
            (Match, Match.id.in_(_matches_of(uid)),
             {"override_note": None, "decline_note": None, "end_note": None}),
            (Nomination, or_(Nomination.nominator_id == uid, Nomination.nominee_id == uid),
             {"citation": "", "public_citation": None}),
            (Vote, or_(Vote.juror_id == uid, Vote.nominee_id == uid), {"comment": None}),
            (AwardCategory, AwardCategory.tie_break_winner_id == uid,
             {"tie_break_reason": None})):
        conditional_update(update(model).where(where).values(values))


def _scrub_linked_rows(uid, pattern, needles, name):
    """Every text of every row that refers to the person (any column referring to users,
    found in the metadata, so a future table is covered too): their name, email and
    phone become ``name``. The audit log is ``redact_audit``'s."""
    for table in db.metadata.sorted_tables:
        links = [column for column in table.columns
                 if any(fk.column.table.name == "users" for fk in column.foreign_keys)]
        if not links or table.name in ("users", AuditEvent.__tablename__):
            continue
        _scrub_rows(table, or_(*(column == uid for column in links)), pattern, needles, name)


def _scrub_rows(table, where, pattern, needles, name):
    texts = [c for c in table.columns if isinstance(c.type, String) and not c.foreign_keys]
    documents = [c for c in table.columns if isinstance(c.type, JSON)]
    if not texts and not documents:
        return
    # Texts are narrowed in SQL; JSON is searched here (SQLite stores it escaped).
    candidates = or_(*(folded(c).contains(n, autoescape=True) for c in texts for n in needles),
                     *(c.is_not(None) for c in documents))
    keys = list(table.primary_key.columns)
    for row in db.session.execute(select(*keys, *texts, *documents).where(where, candidates)):
        changes = {}
        for column in (*texts, *documents):
            value = row._mapping[column]
            cleaned = _replaced(value, pattern, name)
            if cleaned != value:
                limit = getattr(column.type, "length", None)
                changes[column.name] = cleaned[:limit] if limit else cleaned
        if changes:
            db.session.execute(update(table).where(*(k == row._mapping[k] for k in keys))
                               .values(changes))


def _replaced(value, pattern, name):
    if isinstance(value, str):
        return pattern.sub(name, value)
    if isinstance(value, list):
        return [_replaced(item, pattern, name) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, pattern, name) for key, item in value.items()}
    return value
