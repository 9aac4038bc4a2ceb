"""Assisted sign-up: a coordinator registers a newcomer, who claims the account with the
short code of a printed invitation; and the people without email a coordinator should call.

The code: CODE_LENGTH characters from an alphabet without look-alikes (no 0/O, 1/I/L),
printed in groups ("K7QM-4T9P-XW"), typed in any case, with or without dashes or spaces.
Only its HMAC (keyed with SECRET_KEY) is stored, so a copy of the database does not let
anyone claim an account, and the code in clear is only in the coordinator's response
(signup.py keeps it in their session to print it). Single use, INVITATION_DAYS to claim,
and a new invitation makes the older ones void.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select, update

from ..accounts.models import (
    ADMIN,
    COORDINATOR,
    NEWCOMER,
    PARTNER,
    SIGN_IN_NAME_MAX,
    User,
    UserRole,
    normalise_email,
)
from ..accounts.services import CONSENT_NEEDED, AccountError, start_sign_in
from ..audit.services import record
from ..database import conditional_update, locked_one, unique_or, utcnow
from ..dates import local_to_utc, programme_today
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..matching.models import PROPOSED, BuddyRequest, Match
from ..search import fold
from ..training.models import ENROLLED, Enrollment, TrainingSession
from ..volunteering.models import Commitment
from .models import Invitation

INVITATION_DAYS = 30
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
CODE_GROUP = 4
# An unclaimed invitation this close to its end puts its person on the "to call" list; one
# that ended less than INVITATION_EXPIRED_SHOWN_DAYS ago stays there (call, issue anew).
INVITATION_WARN_DAYS = 7
INVITATION_EXPIRED_SHOWN_DAYS = 30
TO_CALL_PER_PAGE = 25
# Roles whose accounts a coordinator may not take over with an invitation.
STAFF_ROLES = (COORDINATOR, ADMIN, PARTNER)


class InvitationError(DomainError):
    """A refused invitation: unknown, used, expired or replaced, or a refused sign-up."""


class InvitationGone(InvitationError):
    """The code cannot be used (any more): ``state`` says why (a key of GONE_MESSAGES)."""

    def __init__(self, state):
        super().__init__(GONE_MESSAGES[state], status=404 if state == "unknown" else 410)
        self.state = state


GONE_MESSAGES = {
    "unknown": _l("We do not know this code. Please check it letter by letter, or ask your "
                  "coordinator for a new invitation."),
    "used": _l("This invitation has already been used: the account is ready. Log in with "
               "your sign-in name and password, or ask your coordinator for a new "
               "invitation if you cannot."),
    "expired": _l("This invitation has expired. Please ask your coordinator for a new "
                  "invitation."),
    "replaced": _l("A newer invitation replaced this one. Please use the newest one, or ask "
                   "your coordinator for a new invitation."),
    "closed": _l("This account cannot be claimed. Please ask your coordinator."),
}


# Codes --------------------------------------------------------------------------------


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code):
    """"K7QM4T9PXW" → "K7QM-4T9P-XW" (how it is printed and put in the link)."""
    return "-".join(code[i:i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def normalise_code(typed):
    """The code as stored, from what someone typed: any case, dashes and spaces ignored;
    None if it cannot be a code (so it is never looked up)."""
    code = re.sub(r"[\s\-–—.]", "", typed or "").upper()
    if len(code) != CODE_LENGTH or set(code) - set(CODE_ALPHABET):
        return None
    return code


def hash_code(code):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def find_invitation(typed):
    """The invitation of a typed code, or None."""
    code = normalise_code(typed)
    if code is None:
        return None
    return db.session.scalar(select(Invitation).options(db.joinedload(Invitation.user))
                             .where(Invitation.code_hash == hash_code(code)))


def usable_invitation(typed, now=None):
    """The invitation of ``typed`` if it can be claimed now; else InvitationGone."""
    invitation = find_invitation(typed)
    if invitation is None:
        raise InvitationGone("unknown")
    state = invitation.state(now)
    if state != "valid":
        raise InvitationGone(state)
    if not invitation.user.is_enabled or invitation.user.is_erased:
        raise InvitationGone("closed")
    return invitation


# Sign-in names ------------------------------------------------------------------------


def sign_in_name_base(name):
    """"Amira Haddad" → "amira.haddad"; "Zoé-Léa" → "zoe.lea"; a name with no Latin
    letters → "newcomer" (a number is added)."""
    words = re.findall(r"[a-z0-9]+", fold(name).encode("ascii", "ignore").decode())
    base = ".".join(words)[:SIGN_IN_NAME_MAX - 6].strip(".")
    return base if len(base) >= 3 else "newcomer"


def _name_taken(candidate):
    return db.session.scalar(select(User.id).where(User.sign_in_name == candidate)) is not None


def sign_in_name_candidates(name):
    """The sign-in names to try for ``name``: the plain one first (unless it is the
    generic "newcomer"), then with random digits."""
    base = sign_in_name_base(name)
    if base != "newcomer":
        yield base
    for digits in (2, 2, 3, 4, 4, 5, 6):
        yield f"{base}{secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1)}"


# Registering a newcomer ----------------------------------------------------------------


UNCLAIMED = "!unclaimed:"  # the start of the password hash of an account never claimed


def is_claimed(person):
    """The person chose a password (at sign-up, or by claiming an invitation)."""
    return not person.password_hash.startswith(UNCLAIMED)


def may_be_invited(person):
    """An invitation sets the account's password, so it is only for an account not claimed
    yet, or without an email address (its owner's only way to a new password); never for
    staff (a coordinator must not take over an admin's account)."""
    return (person is not None and not person.is_erased and person.is_enabled
            and not person.role_names & set(STAFF_ROLES)
            and (person.email is None or not is_claimed(person)))


def register_newcomer(actor, *, name, locale, email=None, phone=None, neighbourhood_id=None,
                      now=None):
    """A coordinator registers a newcomer: an account with the newcomer role, no usable
    password and a unique sign-in name, and an invitation to claim it. Returns
    (user, invitation, code in clear)."""
    if locale not in current_app.config["LANGUAGES"]:
        raise InvitationError(_l("Please choose a language."), "locale")
    email = normalise_email(email) or None
    if email and db.session.scalar(select(User.id).where(User.email == email)):
        raise InvitationError(_l("An account with this email already exists. Search for "
                                 "the person instead."), "email")
    user = User(name=name.strip(), email=email, locale=locale,
                phone=(phone or "").strip() or None, neighbourhood_id=neighbourhood_id,
                # No password works until the newcomer chooses one (claim).
                password_hash=UNCLAIMED + secrets.token_hex(16))
    user.roles.append(UserRole(role=NEWCOMER))
    for candidate in sign_in_name_candidates(name):
        if _name_taken(candidate):
            continue
        user.sign_in_name = candidate
        try:
            # A sign-up at the same moment may take the name (or the email): try another.
            with unique_or(InvitationError(_l("Please try again."))):
                db.session.add(user)
        except InvitationError:
            if email and db.session.scalar(select(User.id).where(User.email == email)):
                raise InvitationError(_l("An account with this email already exists. "
                                         "Search for the person instead."), "email") from None
            continue
        break
    else:  # pragma: no cover - millions of names taken
        raise InvitationError(_l("Please try again."))
    record(actor, "person.registered", user, locale=locale, email=bool(email))
    invitation, code = _issue(actor, user, now)
    return user, invitation, code


def _issue(actor, user, now=None):
    now = now or utcnow()
    db.session.execute(update(Invitation).where(
        Invitation.user_id == user.id, Invitation.used_at.is_(None),
        Invitation.replaced_at.is_(None)).values(replaced_at=now)
        .execution_options(synchronize_session=False))
    code = new_code()
    invitation = Invitation(user_id=user.id, code_hash=hash_code(code), created_by_id=actor.id,
                            created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    record(actor, "invitation.issued", invitation, person_id=user.id)
    return invitation, code


def reissue_invitation(actor, user_id, now=None):
    """A new invitation for this person; any earlier one stops working.
    Returns (invitation, code in clear)."""
    # Locked: two coordinators reissuing at once leave one valid invitation, not two.
    person = locked_one(User, user_id)
    if not may_be_invited(person):
        raise InvitationError(_l("This person cannot get an invitation."), status=403)
    return _issue(actor, person, now)


def current_invitation(user_id):
    """The person's newest invitation that no newer one replaced (used or not), or None."""
    return db.session.scalar(select(Invitation).where(
        Invitation.user_id == user_id, Invitation.replaced_at.is_(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(1))


def claim_url(code):
    """The absolute address of the claim page: BASE_URL, as in emails (mail.render_message)."""
    from flask import has_request_context, request, url_for

    base_url = current_app.config["BASE_URL"]
    if current_app.config.get("BASE_URL_FROM_REQUEST") and has_request_context():
        base_url = request.host_url
    path = url_for("people.claim", code=format_code(code)) if code else url_for(
        "people.enter_code")
    return base_url.rstrip("/") + path


# Claiming -----------------------------------------------------------------------------


def claim(typed_code, *, password, email=None, agreed, notice_version, replacing=None,
          now=None):
    """The newcomer claims their account: chooses a password (every other sign-in ends),
    agrees to the privacy notice, may add an email, and is signed in (``replacing``: the
    browser's earlier sign-in, which ends). Once: of two claims at the same time, one wins
    (the update below only changes an unused invitation)."""
    now = now or utcnow()
    invitation = usable_invitation(typed_code, now)
    if not agreed:
        raise AccountError(CONSENT_NEEDED, "consent")
    won = conditional_update(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.used_at.is_(None),
        Invitation.replaced_at.is_(None), Invitation.expires_at > now).values(used_at=now))
    if not won:
        db.session.refresh(invitation)
        raise InvitationGone(invitation.state(now) if invitation.state(now) != "valid"
                             else "used")
    user = invitation.user
    email = normalise_email(email) or None
    if email and user.email is None:
        taken = AccountError(_l("This email address already belongs to another account. "
                                "Please use another one, or leave it empty."), "email")
        if db.session.scalar(select(User.id).where(User.email == email)):
            raise taken
        with unique_or(taken):  # an account took it a moment ago
            user.email = email
    user.set_password(password)
    from ..privacy import notice  # (privacy's views import accounts)

    notice.consent_at_registration(user, notice_version)
    record(user, "invitation.claimed", invitation, person_id=user.id)
    start_sign_in(user, replacing=replacing)
    return user


# Coordinating a buddy request on someone's behalf ------------------------------------


def request_for(actor, person_id, role, **fields):
    """A coordinator asks for a buddy on a newcomer's behalf (matching.create_request)."""
    from ..matching.services import create_request

    person = db.session.get(User, person_id)
    if person is None or not person.has_role(NEWCOMER) or person.is_erased:
        raise InvitationError(_l("Only a newcomer can get a buddy request."), status=403)
    if db.session.scalar(select(BuddyRequest.id).where(BuddyRequest.user_id == person.id,
                                                       BuddyRequest.current_role == role)):
        raise InvitationError(_l("This person already has a request for this kind of help: "
                                 "see it on their page."), "kind")
    buddy_request = create_request(person, role, **fields)
    record(actor, "buddy_request.created_for", buddy_request, person_id=person.id, role=role)
    return buddy_request


# The people to call --------------------------------------------------------------------


@dataclass
class Waiting:
    """One thing waiting for a person's answer."""

    kind: str  # "proposal", "invitation", "commitment_ending", "training_soon"
    since: datetime
    record: object


@dataclass
class ToCall:
    person: User
    waiting: list = field(default_factory=list)


def _windows(now):
    today = programme_today()
    day_after_tomorrow = local_to_utc(datetime.combine(today + timedelta(days=2), time.min))
    return today, day_after_tomorrow


def _conditions(now):
    """Per kind: SQL saying "this person has one waiting"."""
    today, training_until = _windows(now)
    proposal = exists().where(Match.status == PROPOSED, or_(
        and_(Match.newcomer_id == User.id, Match.newcomer_accepted_at.is_(None)),
        and_(Match.volunteer_id == User.id, Match.volunteer_accepted_at.is_(None))))
    invitation = exists().where(Invitation.user_id == User.id, *_invitation_due(now))
    ending = exists().where(Commitment.user_id == User.id, *Commitment.ending_soon(today))
    training = exists().where(Enrollment.user_id == User.id, Enrollment.status == ENROLLED,
                              Enrollment.session_id == TrainingSession.id,
                              TrainingSession.starts_at >= now,
                              TrainingSession.starts_at < training_until)
    return [proposal, invitation, ending, training]


def _invitation_due(now):
    return (Invitation.used_at.is_(None), Invitation.replaced_at.is_(None),
            Invitation.expires_at <= now + timedelta(days=INVITATION_WARN_DAYS),
            Invitation.expires_at > now - timedelta(days=INVITATION_EXPIRED_SHOWN_DAYS))


def to_call(page=1, per_page=TO_CALL_PER_PAGE, now=None):
    """People without email who have something waiting for their answer (a proposal, an
    invitation about to expire, what a reminder would have told them by email), by name.
    A page of ToCall rows; a fixed number of queries whatever the amount of data."""
    now = now or utcnow()
    # Their roles are not shown (as a query of their own they would go over the budget).
    query = (select(User).options(db.lazyload(User.roles))
             .where(User.email.is_(None), User.is_enabled.is_(True),
                    User.erased_at.is_(None), or_(*_conditions(now)))
             .order_by(User.name, User.id))
    people = db.paginate(query, page=page, per_page=per_page, error_out=False)
    rows = {person.id: ToCall(person) for person in people.items}
    if rows:
        _load_waiting(rows, now)
    people.rows = [rows[person.id] for person in people.items]
    return people


def _load_waiting(rows, now):
    ids = list(rows)
    today, training_until = _windows(now)
    for match in db.session.scalars(select(Match).options(db.joinedload(Match.request)).where(
            Match.status == PROPOSED,
            or_(and_(Match.newcomer_id.in_(ids), Match.newcomer_accepted_at.is_(None)),
                and_(Match.volunteer_id.in_(ids), Match.volunteer_accepted_at.is_(None))))):
        for person_id, answered in ((match.newcomer_id, match.newcomer_accepted_at),
                                    (match.volunteer_id, match.volunteer_accepted_at)):
            if person_id in rows and answered is None:
                rows[person_id].waiting.append(Waiting("proposal", match.created_at, match))
    for invitation in db.session.scalars(select(Invitation).where(
            Invitation.user_id.in_(ids), *_invitation_due(now))):
        rows[invitation.user_id].waiting.append(
            Waiting("invitation", invitation.created_at, invitation))
    for commitment in db.session.scalars(select(Commitment).where(
            Commitment.user_id.in_(ids), *Commitment.ending_soon(today))):
        rows[commitment.user_id].waiting.append(
            Waiting("commitment_ending", commitment.created_at, commitment))
    for enrollment in db.session.scalars(select(Enrollment).options(
            db.joinedload(Enrollment.session).joinedload(TrainingSession.module)).join(
            TrainingSession).where(Enrollment.user_id.in_(ids), Enrollment.status == ENROLLED,
                                   TrainingSession.starts_at >= now,
                                   TrainingSession.starts_at < training_until)):
        rows[enrollment.user_id].waiting.append(
            Waiting("training_soon", enrollment.queued_at, enrollment))
    for row in rows.values():
        row.waiting.sort(key=lambda item: item.since)
