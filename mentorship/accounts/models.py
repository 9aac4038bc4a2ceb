import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..search import person_search_text

RESIDENT = "resident"
NEWCOMER = "newcomer"
COORDINATOR = "coordinator"
ADMIN = "admin"
PARTNER = "partner"
ROLES = (RESIDENT, NEWCOMER, COORDINATOR, ADMIN, PARTNER)
# Roles an admin grants and removes on the people page; the others come from sign-up.
GRANTABLE_ROLES = (COORDINATOR, PARTNER, ADMIN)
ROLE_LABELS = {
    RESIDENT: _l("Resident volunteer"),
    NEWCOMER: _l("Newcomer"),
    COORDINATOR: _l("Coordinator"),
    ADMIN: _l("Administrator"),
    PARTNER: _l("Partner venue staff"),
}
# An admin can do everything a coordinator can.
IMPLIED_ROLES = {ADMIN: {COORDINATOR}}

LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
LEVEL_LABELS = {
    "A1": _l("A1 – beginner"),
    "A2": _l("A2 – elementary"),
    "B1": _l("B1 – intermediate"),
    "B2": _l("B2 – upper intermediate"),
    "C1": _l("C1 – advanced"),
    "C2": _l("C2 – proficient"),
    "native": _l("Native or first language"),
}


# The longest name, phone number and email address an account keeps (forms say so too).
NAME_MAX, PHONE_MAX, EMAIL_MAX = 120, 40, 254
SIGN_IN_NAME_MAX = 40

# What a volunteer lets a matched newcomer see of their contact details.
SHARES_CONTACT = ("email", "phone", "office")
SHARES_CONTACT_LABELS = {
    "email": _l("My email address"),
    "phone": _l("My phone number"),
    "office": _l("Nothing: the newcomer reaches me through the coordinator"),
}

# How a level reads in lists ("Arabic (native)", "French (B2)").
LEVEL_SHORT = {level: level for level in LEVELS} | {"native": _l("native")}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # /thanks: those who chose to appear, by name, read in order from the index (a few
    # among thousands, or most of them: either way no scan of everyone, no sort).
    __table_args__ = (Index("ix_users_public_thanks_name", "public_thanks", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased; the unique index makes the address case-insensitive. None for a
    # person a coordinator registered without one (people.invitations): they sign in with
    # their sign-in name and get no email (the coordinator's "to call" list instead).
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), unique=True)
    sign_in_name: Mapped[str | None] = mapped_column(String(SIGN_IN_NAME_MAX), unique=True)
    # Indexed: the people lists are sorted by name.
    name: Mapped[str] = mapped_column(String(NAME_MAX), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="SET NULL"), index=True
    )
    optional_emails: Mapped[bool] = mapped_column(default=True)
    # Opt-in: first name, role and months served on the public thank-you page.
    public_thanks: Mapped[bool] = mapped_column(default=False)
    # What a newcomer matched with this volunteer sees: SHARES_CONTACT ("office": nothing,
    # they reach the volunteer through the coordinator).
    shares_contact: Mapped[str] = mapped_column(String(10), default="email",
                                                server_default="email")
    # An admin disabled the account (with a reason, audited): no login, no email.
    is_enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    # Erased (privacy.erasure): the row stays, anonymised and disabled, so that the
    # published figures do not change.
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Name, email and phone folded (search.fold: no accents, no case) for the people
    # search; kept up to date by the listener below, never written by hand.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    languages: Mapped[list["LanguageSkill"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        order_by="LanguageSkill.id",
    )
    neighbourhood: Mapped["Neighbourhood | None"] = relationship()  # noqa: F821

    @property
    def is_active(self):
        return self.is_enabled

    @property
    def is_erased(self):
        return self.erased_at is not None

    @property
    def role_names(self):
        return {r.role for r in self.roles}

    def has_role(self, *roles):
        held = set(self.role_names)
        for role in list(held):
            held |= IMPLIED_ROLES.get(role, set())
        return any(role in held for role in roles)

    # The token of the sign-in this object was loaded for or just signed in with (not a
    # column: the database keeps only its hash, in SignIn).
    sign_in_token = None

    def get_id(self):
        # The session and the remember-me cookie hold the id with the sign-in's token:
        # when the sign-in ends (log out, log out everywhere, new password) both stop working.
        if self.sign_in_token is None:
            raise RuntimeError("Sign in with accounts.services.start_sign_in before login_user.")
        return f"{self.id}:{self.sign_in_token}"

    @property
    def password_fingerprint(self):
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:20]

    def set_password(self, password, keep_sign_in=None):
        """Set a new password; every sign-in ends with the old one, except ``keep_sign_in``
        (the token of the browser where the person changed it)."""
        self.password_hash = generate_password_hash(password)
        if self.id is not None:
            ended = db.delete(SignIn).where(SignIn.user_id == self.id)
            if keep_sign_in:
                ended = ended.where(SignIn.token_hash != hash_token(keep_sign_in))
            db.session.execute(ended)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def first_name(self):
        return self.name.split()[0] if self.name.split() else self.name

    def __repr__(self):
        return f"<User {self.id} {self.email}>"


class SignIn(db.Model):
    """One browser logged in to an account. The session and the remember-me cookie carry
    its token; deleting the row logs that browser out, whatever cookies it kept."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # sha256 of the token: a copy of the database does not let anyone in.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def signed_in_user(session_id, max_age):
    """The user of the live sign-in named ``"<user id>:<token>"`` (what the session and
    the remember-me cookie hold), with their roles, or None. One query, joined."""
    if not isinstance(session_id, str):
        return None
    user_id, _, token = session_id.partition(":")
    if not token:
        return None
    # The roles come in the same query: every page asks what the user may do.
    user = db.session.scalars(
        db.select(User)
        .join(SignIn, SignIn.user_id == User.id)
        .where(SignIn.token_hash == hash_token(token), SignIn.created_at > utcnow() - max_age,
               User.is_enabled.is_(True))
        .options(joinedload(User.roles))
    ).unique().first()
    if user is None or str(user.id) != user_id:
        return None
    user.sign_in_token = token
    return user


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Indexed: the few coordinators and administrators are found among thousands of roles.
    role: Mapped[str] = mapped_column(String(20), index=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class LanguageSkill(db.Model):
    __tablename__ = "language_skills"
    __table_args__ = (UniqueConstraint("user_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(8))

    user: Mapped[User] = relationship(back_populates="languages")


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _refresh_search_text(mapper, connection, user):
    user.search_text = person_search_text(user.name, user.email, user.phone, user.sign_in_name)


def find_user_by_email(email):
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def normalise_email(email):
    return (email or "").strip().lower()
