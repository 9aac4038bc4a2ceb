"""Accounts: sign-up, log-in, password reset, profile and roles."""

import secrets
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.services import record
from ..database import locked, unique_or, utcnow
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_email
from . import throttle
from .models import (
    ADMIN,
    GRANTABLE_ROLES,
    NEWCOMER,
    RESIDENT,
    SHARES_CONTACT,
    LanguageSkill,
    SignIn,
    User,
    UserRole,
    find_user_by_email,
    hash_token,
    normalise_email,
)

RESET_SALT = "password-reset"
# Checked when no account matches, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-takes-the-same-time")


class AccountError(DomainError):
    """A refused account change, with a message for the user."""


class EmailTaken(AccountError):
    """Another account already has this email address."""


CONSENT_NEEDED = _l("Please agree to the privacy notice: we cannot create an account "
                    "without it.")
# Never shown by the sign-up page (it answers alike for new and known addresses).
EMAIL_TAKEN = _l("An account with this email already exists. You can log in or reset "
                 "your password.")


def register_user(*, name, email, password, locale, intent, agreed, notice_version):
    """Create an account holding the role its owner chose (resident or newcomer), sign it
    in and welcome it by email. ``agreed``: its owner agreed to the privacy notice the form
    showed, version ``notice_version`` (None: none was published, or the form sent no
    number). That consent is recorded only if it is still the current version: when a new
    one was published while the form was open, the account is still created (nothing typed
    is lost) but records no consent, and the sign-up page sends its owner to agree to the
    new text (privacy.notice_views.check_consent).

    An address that already has an account gets no new one and no sign-in (None): its
    owner gets an email with a way back in instead. The page answers both alike, so the
    sign-up form does not tell anyone which addresses have an account.
    """
    if intent not in (RESIDENT, NEWCOMER):
        raise AccountError(_l("Please choose one."), "intent")
    if not agreed:
        raise AccountError(CONSENT_NEEDED, "consent")
    user = User(name=name.strip(), email=normalise_email(email), locale=locale)
    user.set_password(password)  # hashed either way, so both answers take as long
    user.roles.append(UserRole(role=intent))
    owner = find_user_by_email(email)
    if owner is None:
        try:
            with unique_or(EmailTaken(EMAIL_TAKEN)):
                db.session.add(user)
        except EmailTaken:
            owner = find_user_by_email(email)  # a sign-up for the same address just won
        else:
            from ..privacy import notice  # (privacy's views import accounts)

            notice.consent_at_registration(user, notice_version)
            send_email(user.email, _l("Your account is ready"), "welcome", locale=user.locale,
                       user=user)
            start_sign_in(user)
            return user
    _tell_owner_of_sign_up(owner)
    return None


def _tell_owner_of_sign_up(owner):
    if owner is None or not owner.is_enabled:
        return
    # A few a day at most: the sign-up form must not become a way to flood someone's inbox.
    if not throttle.within(current_app.config["REGISTER_NOTICE_LIMIT"], "register-notice",
                           owner.email):
        return
    send_email(owner.email, _l("Someone tried to create an account with your address"),
               "sign_up_with_existing_address", locale=owner.locale, user=owner,
               token=make_reset_token(owner),
               minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)


def start_sign_in(user, *, replacing=None):
    """Sign ``user`` in on this browser: a new SignIn whose token ``login_user`` stores
    (``user.sign_in_token``). ``replacing``: the browser's earlier sign-in, which ends."""
    if replacing:
        end_sign_in(replacing)
    # Sign-ins past the longest "keep me logged in" are dead: clear them away.
    oldest = utcnow() - current_app.config["REMEMBER_COOKIE_DURATION"] - timedelta(days=1)
    db.session.execute(db.delete(SignIn).where(SignIn.user_id == user.id,
                                               SignIn.created_at < oldest))
    token = secrets.token_urlsafe(32)
    db.session.add(SignIn(user_id=user.id, token_hash=hash_token(token)))
    user.sign_in_token = token
    return user


def end_sign_in(token):
    """Log out the browser holding this sign-in token (its cookies stop working)."""
    db.session.execute(db.delete(SignIn).where(SignIn.token_hash == hash_token(token)))


def end_all_sign_ins(user):
    """Log ``user`` out on every browser and device, this one too."""
    db.session.execute(db.delete(SignIn).where(SignIn.user_id == user.id))


def log_in(email, password, *, replacing=None):
    """Sign in the enabled account with this email and password; None if there is none."""
    user = authenticate(email, password)
    if user is not None:
        start_sign_in(user, replacing=replacing)
    return user


def find_user_for_login(identifier):
    """The account with this email address or, without "@", this sign-in name (or None)."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        return find_user_by_email(identifier)
    if not identifier:
        return None
    return db.session.scalar(db.select(User).where(User.sign_in_name == identifier.lower()))


def authenticate(email, password):
    """The enabled account with this email address (or sign-in name) and password, or None
    (same cost either way)."""
    user = find_user_for_login(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or "") or not user.is_enabled:
        return None
    user.last_login_at = utcnow()
    return user


def _reset_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user):
    # Changes whenever the password changes, so a used link stops working.
    return user.password_fingerprint


def make_reset_token(user):
    return _reset_serializer().dumps({"id": user.id, "pw": _password_fingerprint(user)})


def user_for_reset_token(token):
    """The user a reset link belongs to, or None if it is forged, expired or already used."""
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or data.get("pw") != _password_fingerprint(user):
        return None
    return user


def send_reset_link(email):
    """Email a reset link if an account with an email address exists (found by its address
    or its sign-in name); say nothing either way. An account without an email address gets
    a new password through a new invitation from a coordinator (people.invitations)."""
    user = find_user_for_login(email)
    if user is None or not user.is_enabled or not user.email:
        return None
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    return send_email(
        user.email,
        _l("Reset your password"),
        "reset_password",
        locale=user.locale,
        user=user,
        token=make_reset_token(user),
        minutes=minutes,
    )


def reset_password(user, password):
    """Set the password chosen through a reset link; every sign-in ends."""
    user.set_password(password)


def update_profile(user, *, name, locale, neighbourhood_id, phone, optional_emails, languages,
                   public_thanks=None, shares_contact=None, email=None):
    """Save the profile; ``languages`` is a list of (code, level) replacing the old list.
    ``public_thanks`` and ``shares_contact`` (what a matched newcomer sees: SHARES_CONTACT)
    are a volunteer's choices: None leaves them as they are. ``email``: an address added
    by an account that has none (a coordinator registered it); an address is not changed
    here."""
    if email and user.email is None:
        add_email(user, email)
    user.name = name.strip()
    user.locale = locale
    user.neighbourhood_id = neighbourhood_id
    user.phone = (phone or "").strip() or None
    user.optional_emails = optional_emails
    if public_thanks is not None:
        user.public_thanks = public_thanks
    if shares_contact is not None:
        if shares_contact not in SHARES_CONTACT:
            raise AccountError(_l("Please choose one."), "shares_contact")
        user.shares_contact = shares_contact
    update_languages(user, languages)


EMAIL_IN_USE = _l("This email address already belongs to another account. Please use "
                  "another one.")


def add_email(user, email):
    """Give an account without an email address one (unique)."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise AccountError(EMAIL_IN_USE, "email")
    with unique_or(AccountError(EMAIL_IN_USE, "email")):  # taken a moment ago
        user.email = email
    record(user, "account.email_added", user)


def choose_language(user, code):
    """Remember the interface language on the account (its emails use it too)."""
    user.locale = code


def update_languages(user, languages):
    """Replace the user's languages with ``languages``, a list of (code, level)."""
    wanted = dict(languages)
    for skill in list(user.languages):
        if skill.language in wanted:
            skill.level = wanted.pop(skill.language)
        else:
            user.languages.remove(skill)
    for code, level in wanted.items():
        user.languages.append(LanguageSkill(language=code, level=level))


def count_admins():
    return db.session.scalar(
        db.select(db.func.count()).select_from(UserRole).where(UserRole.role == ADMIN)
    )


def grant_role(actor, user, role):
    if role not in GRANTABLE_ROLES:
        raise AccountError(_l("This role cannot be granted here."))
    if role in user.role_names:
        return False
    user.roles.append(UserRole(role=role))
    record(actor, "role.granted", user, role=role)
    return True


def remove_role(actor, user, role):
    if role not in GRANTABLE_ROLES:
        raise AccountError(_l("This role cannot be removed here."))
    # Lock the administrators' rows so two admins removing each other cannot both win.
    locked(db.select(UserRole).where(UserRole.role == ADMIN))
    if role == ADMIN and count_admins() <= 1 and ADMIN in user.role_names:
        raise AccountError(_l("The programme needs at least one administrator."))
    held = [r for r in user.roles if r.role == role]
    if not held:
        return False
    for row in held:
        user.roles.remove(row)
    record(actor, "role.removed", user, role=role)
    return True


def create_admin(email, name, password):
    """Create an administrator account, or make an existing account an administrator."""
    user = find_user_by_email(email)
    created = user is None
    if created:
        user = User(email=normalise_email(email), name=name or email.split("@")[0])
        user.set_password(password)
        db.session.add(user)
    if ADMIN not in user.role_names:
        user.roles.append(UserRole(role=ADMIN))
    db.session.flush()
    return user, created
