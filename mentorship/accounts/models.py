import hashlib
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow
from ..extensions import db

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

# How a level reads in lists ("Arabic (native)", "French (B2)").
LEVEL_SHORT = {level: level for level in LEVELS} | {"native": _l("native")}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased; the unique index makes the address case-insensitive.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="SET NULL")
    )
    optional_emails: Mapped[bool] = mapped_column(default=True)
    # Opt-in: first name, role and months served on the public thank-you page.
    public_thanks: Mapped[bool] = mapped_column(default=False)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

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
    def role_names(self):
        return {r.role for r in self.roles}

    def has_role(self, *roles):
        held = set(self.role_names)
        for role in list(held):
            held |= IMPLIED_ROLES.get(role, set())
        return any(role in held for role in roles)

    def get_id(self):
        # The session (and the remember-me cookie) hold the id with a fingerprint of the
        # password: changing the password logs every other device out.
        return f"{self.id}:{self.password_fingerprint}"

    @property
    def password_fingerprint(self):
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:20]

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def first_name(self):
        return self.name.split()[0] if self.name.split() else self.name

    def __repr__(self):
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
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


def find_user_by_email(email):
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def normalise_email(email):
    return (email or "").strip().lower()


# Said by the sign-up form, and by the service when two sign-ups race for one address.
EMAIL_TAKEN_MESSAGE = _l("An account with this email already exists. You can log in or reset "
                         "your password.")


def email_taken(email):
    return bool(
        db.session.scalar(
            db.select(func.count()).select_from(User).where(User.email == normalise_email(email))
        )
    )
