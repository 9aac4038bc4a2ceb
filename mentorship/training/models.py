import secrets
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l

IN_PERSON, ONLINE, BOTH = "in_person", "online", "both"
KINDS = (IN_PERSON, ONLINE, BOTH)
KIND_LABELS = {
    IN_PERSON: _l("In person"),
    ONLINE: _l("Online: read, then a short quiz"),
    BOTH: _l("In person or online"),
}

ENROLLED, WAITLISTED, ATTENDED, NO_SHOW, CANCELLED = (
    "enrolled", "waitlisted", "attended", "no_show", "cancelled")
ENROLLMENT_LABELS = {
    ENROLLED: _l("Enrolled"),
    WAITLISTED: _l("On the waiting list"),
    ATTENDED: _l("Attended"),
    NO_SHOW: _l("Did not come"),
    CANCELLED: _l("Cancelled"),
}
# Enrolments that hold (or wait for) a seat.
LIVE_ENROLLMENT_STATES = (ENROLLED, WAITLISTED)
# Enrolments whose attendance may be marked: those that held a seat.
MARKABLE_ENROLLMENT_STATES = (ENROLLED, ATTENDED, NO_SHOW)
# What a coordinator marks once a session has taken place.
ATTENDANCE_MARKS = (ATTENDED, NO_SHOW)

# How a module is linked to a role.
REQUIRED, OPTIONAL = "required", "optional"

# Limits and defaults: forms, models and their messages all read them from here.
TITLE_LENGTH = 200
PLACE_LENGTH = 300
LINK_LENGTH = 500
MIN_MODULE_MINUTES, MAX_MODULE_MINUTES, DEFAULT_MODULE_MINUTES = 5, 2400, 120
MIN_PASS_MARK, MAX_PASS_MARK, DEFAULT_PASS_MARK = 1, 100, 80  # percent
MIN_SEATS, MAX_SEATS, DEFAULT_SEATS = 1, 500, 12


def new_code():
    """128 bits of randomness, URL-safe: certificate codes and calendar tokens."""
    return secrets.token_urlsafe(16)


class TrainingModule(db.Model):
    __tablename__ = "training_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on display
    kind: Mapped[str] = mapped_column(String(20), default=IN_PERSON)
    duration_minutes: Mapped[int] = mapped_column(default=DEFAULT_MODULE_MINUTES)
    quiz: Mapped[list] = mapped_column(JSON, default=list)  # [{"question", "options": [...]}]
    quiz_source: Mapped[str] = mapped_column(Text, default="")
    pass_mark: Mapped[int] = mapped_column(default=DEFAULT_PASS_MARK)  # percent
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list["ModuleRole"]] = relationship(
        back_populates="module", cascade="all, delete-orphan", lazy="selectin")
    sessions: Mapped[list["TrainingSession"]] = relationship(
        back_populates="module", order_by="TrainingSession.starts_at")

    @property
    def has_quiz(self):
        return self.kind in (ONLINE, BOTH) and bool(self.quiz)

    @property
    def has_sessions(self):
        return self.kind in (IN_PERSON, BOTH)

    def requirement_for(self, role):
        """REQUIRED, OPTIONAL or None for a volunteer role code."""
        for link in self.roles:
            if link.role == role:
                return REQUIRED if link.required else OPTIONAL
        return None


class ModuleRole(db.Model):
    __tablename__ = "module_roles"
    __table_args__ = (UniqueConstraint("module_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("training_modules.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(ForeignKey("volunteer_roles.code"))
    required: Mapped[bool] = mapped_column(default=True)

    module: Mapped[TrainingModule] = relationship(back_populates="roles")


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("training_modules.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # UTC
    ends_at: Mapped[datetime]  # UTC
    place: Mapped[str | None] = mapped_column(String(PLACE_LENGTH))
    video_link: Mapped[str | None] = mapped_column(String(LINK_LENGTH))
    capacity: Mapped[int] = mapped_column(default=DEFAULT_SEATS)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped on every change so calendar clients update the event, not duplicate it.
    sequence: Mapped[int] = mapped_column(default=0)

    module: Mapped[TrainingModule] = relationship(back_populates="sessions")
    enrollments: Mapped[list["Enrollment"]] = relationship(back_populates="session")

    def attendance_open(self, now):
        """Attendance may be marked once the session has started."""
        return self.starts_at <= now

    def is_full(self, taken):
        """No free seat with ``taken`` seats taken: newcomers join the waiting list."""
        return taken >= self.capacity


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        # Seats taken and attendance counted per session without reading the rows.
        Index("ix_enrollments_session_id_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=ENROLLED, index=True)
    # When the person joined the list (or re-joined it): the waiting list's order.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    session: Mapped[TrainingSession] = relationship(back_populates="enrollments")
    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def status_label(self):
        return ENROLLMENT_LABELS[self.status]

    @property
    def is_enrolled(self):
        return self.status == ENROLLED

    @property
    def is_waitlisted(self):
        return self.status == WAITLISTED

    @property
    def is_attended(self):
        return self.status == ATTENDED

    @property
    def is_no_show(self):
        return self.status == NO_SHOW

    @property
    def is_live(self):
        """Holds a seat or waits for one (may still be cancelled)."""
        return self.status in LIVE_ENROLLMENT_STATES

    @property
    def is_markable(self):
        """Held a seat, so attendance may be marked (not cancelled, not waiting)."""
        return self.status in MARKABLE_ENROLLMENT_STATES


class ModuleCompletion(db.Model):
    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("training_modules.id", ondelete="CASCADE"), index=True)
    completed_on: Mapped[date]
    via: Mapped[str] = mapped_column(String(20))  # "session" or "quiz"

    module: Mapped[TrainingModule] = relationship()


class QuizAttempt(db.Model):
    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("training_modules.id", ondelete="CASCADE"), index=True)
    score: Mapped[int]  # percent
    passed: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# A certificate counts while it is not revoked (see ``Certificate.__table_args__``).
VALID_CERTIFICATE = "revoked_at IS NULL"


class Certificate(db.Model):
    """A role's certificate. A person holds at most one valid certificate per role; after a
    revocation and new training a new one (new code) is issued, and the revoked one
    keeps verifying as revoked."""

    __tablename__ = "certificates"
    __table_args__ = (
        # One valid certificate per person and role, however many were revoked: two
        # completions at once cannot issue two (the second insert is refused).
        Index("uq_certificates_valid_user_id_role", "user_id", "role", unique=True,
              sqlite_where=text(VALID_CERTIFICATE), postgresql_where=text(VALID_CERTIFICATE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, default=new_code)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(ForeignKey("volunteer_roles.code"))
    holder_name: Mapped[str] = mapped_column(String(120))
    programme_name: Mapped[str] = mapped_column(String(120))
    modules: Mapped[list] = mapped_column(JSON)  # [{"title", "completed_on"}] at issue time
    issued_on: Mapped[date] = mapped_column(index=True)  # the list's order, newest first
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821

    @property
    def is_valid(self):
        return self.revoked_at is None


class CalendarFeed(db.Model):
    """A volunteer's private calendar address (reset replaces the token)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(40), unique=True, default=new_code)
