"""Accounts: sign-up, log-in, password reset, profile and roles."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.services import record
from ..database import locked, unique_or, utcnow
from ..errors import DomainError
from ..extensions import db
from ..mail import send_email
from .models import (
    ADMIN,
    EMAIL_TAKEN_MESSAGE,
    GRANTABLE_ROLES,
    NEWCOMER,
    RESIDENT,
    LanguageSkill,
    User,
    UserRole,
    find_user_by_email,
    normalise_email,
)

RESET_SALT = "password-reset"
# Checked when no account matches, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-takes-the-same-time")


class AccountError(DomainError):
    """A refused account change, with a message for the user."""


class EmailTaken(AccountError):
    """Another account already has this email address."""


def register_user(*, name, email, password, locale, intent):
    """Create an account holding the role its owner chose (resident or newcomer)."""
    if intent not in (RESIDENT, NEWCOMER):
        raise AccountError(_l("Please choose one."), "intent")
    user = User(name=name.strip(), email=normalise_email(email), locale=locale)
    user.set_password(password)
    user.roles.append(UserRole(role=intent))
    with unique_or(EmailTaken(EMAIL_TAKEN_MESSAGE, "email")):
        db.session.add(user)
    return user


def authenticate(email, password):
    """The enabled account with this email and password, or None (same cost either way)."""
    user = find_user_by_email(email)
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
    """Email a reset link if an account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_enabled:
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
    user.set_password(password)


def update_profile(user, *, name, locale, neighbourhood_id, phone, optional_emails, languages,
                   public_thanks=None):
    """Save the profile; ``languages`` is a list of (code, level) replacing the old list."""
    user.name = name.strip()
    user.locale = locale
    user.neighbourhood_id = neighbourhood_id
    user.phone = (phone or "").strip() or None
    user.optional_emails = optional_emails
    if public_thanks is not None:
        user.public_thanks = public_thanks
    update_languages(user, languages)


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


def export_own_data(user):
    """Everything the programme keeps in the account itself, for the person's own copy."""
    return {
        "name": user.name,
        "email": user.email,
        "language": user.locale,
        "phone": user.phone,
        "neighbourhood": user.neighbourhood.name if user.neighbourhood else None,
        "languages": [{"language": s.language, "level": s.level} for s in user.languages],
        "roles": sorted(user.role_names),
        "optional_emails": user.optional_emails,
        "public_thanks": user.public_thanks,
        "created_at": user.created_at.isoformat() + "Z",
    }
