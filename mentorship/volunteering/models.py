from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..dates import full_months_between
from ..extensions import db
from ..i18n import lazy_gettext as _l

MENTOR, LANGUAGE_BUDDY, HOUSING_HELPER = "mentor", "language_buddy", "housing_helper"
ROLE_CODES = (MENTOR, LANGUAGE_BUDDY, HOUSING_HELPER)
MINIMUM_MONTHS = 6
MAXIMUM_MONTHS = 36  # the longest minimum a role may ask for
PLEDGE_REQUIRED = _l("Please tick the pledge: volunteers commit for at least %(num)d months.",
                     num=MINIMUM_MONTHS)
# A commitment whose end date is this close is "ending soon" (dashboard, reminders).
ENDING_SOON_DAYS = 30
# How far ahead an application's start date may be.
START_WINDOW_MONTHS = 3
DEFAULT_CAPACITY = {MENTOR: 2, LANGUAGE_BUDDY: 3, HOUSING_HELPER: 2}
ROLE_NAMES = {
    MENTOR: _l("Mentor"),
    LANGUAGE_BUDDY: _l("Language buddy"),
    HOUSING_HELPER: _l("Housing helper"),
}
# Whole sentences per role, so that translators can inflect the role's name.
ROLE_APPLY_LABELS = {
    MENTOR: _l("Apply as a mentor"),
    LANGUAGE_BUDDY: _l("Apply as a language buddy"),
    HOUSING_HELPER: _l("Apply as a housing helper"),
}
ROLE_SUMMARIES = {
    MENTOR: _l(
        "You meet a newcomer regularly and help with daily life: how things work here, "
        "simple paperwork, local customs, and meeting other people in the city."
    ),
    LANGUAGE_BUDDY: _l(
        "You practise everyday conversation with a newcomer who is learning the language: "
        "shopping, the doctor, the school, the neighbours. No teaching diploma needed."
    ),
    HOUSING_HELPER: _l(
        "You help a newcomer find and keep a home: reading adverts, visiting flats, "
        "understanding a lease, talking to a landlord or the housing office."
    ),
}

# Application states. "info_requested" is a submitted application the coordinator
# sent back with a question; the resident answers by updating it.
SUBMITTED, INFO_REQUESTED, APPROVED, REJECTED, WITHDRAWN = (
    "submitted", "info_requested", "approved", "rejected", "withdrawn")
OPEN_APPLICATION_STATES = (SUBMITTED, INFO_REQUESTED)
APPLICATION_STATES = (SUBMITTED, INFO_REQUESTED, APPROVED, REJECTED, WITHDRAWN)
APPLICATION_STATE_LABELS = {
    SUBMITTED: _l("Waiting for a decision"),
    INFO_REQUESTED: _l("More information requested"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Not accepted"),
    WITHDRAWN: _l("Withdrawn"),
}

AWAITING_TRAINING, ACTIVE, COMPLETED, ENDED_EARLY = (
    "awaiting_training", "active", "completed", "ended_early")
COMMITMENT_STATES = (AWAITING_TRAINING, ACTIVE, COMPLETED, ENDED_EARLY)
# A current commitment holds its role (one per person and role) and may be ended early.
CURRENT_COMMITMENT_STATES = (AWAITING_TRAINING, ACTIVE)
# The commitments list's state filter also offers every state at once.
ANY_STATE = "all"
COMMITMENT_STATE_LABELS = {
    AWAITING_TRAINING: _l("Waiting for training"),
    ACTIVE: _l("Active"),
    COMPLETED: _l("Completed"),
    ENDED_EARLY: _l("Ended early"),
}
END_REASONS = ("moved_away", "lack_of_time", "personal", "conduct", "other")
END_REASON_LABELS = {
    "moved_away": _l("Moved away"),
    "lack_of_time": _l("Lack of time"),
    "personal": _l("Personal reasons"),
    "conduct": _l("Conduct"),
    "other": _l("Other"),
}
# Set by the erasure of an account (mentorship/privacy), never chosen in a form.
LEFT_PROGRAMME = "left_programme"
END_REASON_LABELS[LEFT_PROGRAMME] = _l("Left the programme")


class VolunteerRole(db.Model):
    """A programme role and its settings (the names and texts live in the code, translated)."""

    __tablename__ = "volunteer_roles"
    __table_args__ = (CheckConstraint("min_months >= 6", name="min_months_at_least_six"),
                      CheckConstraint("capacity >= 1", name="capacity_positive"))

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    min_months: Mapped[int] = mapped_column(default=MINIMUM_MONTHS)
    capacity: Mapped[int] = mapped_column(default=2)
    position: Mapped[int] = mapped_column(default=0)
    # Newcomers may apply for this role too (residents always may): permissions.can_apply.
    open_to_newcomers: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def name(self):
        return ROLE_NAMES[self.code]

    @property
    def summary(self):
        return ROLE_SUMMARIES[self.code]


class Application(db.Model):
    __tablename__ = "applications"
    # open_role is the role while the application is open, NULL once decided or
    # withdrawn: the unique pair allows one open application per person and role.
    __table_args__ = (UniqueConstraint("user_id", "open_role"),
                      # The oldest waiting application (the coordinator's home).
                      Index("ix_applications_status_submitted_at", "status", "submitted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(ForeignKey("volunteer_roles.code"), index=True)
    open_role: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=SUBMITTED, index=True)
    motivation: Mapped[str] = mapped_column(Text)
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="SET NULL"), index=True
    )
    availability: Mapped[list] = mapped_column(JSON, default=list)
    start_date: Mapped[date]
    pledge_end_date: Mapped[date]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_message: Mapped[str | None] = mapped_column(Text)

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])  # noqa: F821
    neighbourhood: Mapped["Neighbourhood | None"] = relationship()  # noqa: F821
    volunteer_role: Mapped[VolunteerRole] = relationship()
    commitment: Mapped["Commitment | None"] = relationship(back_populates="application")

    @property
    def is_open(self):
        return self.status in OPEN_APPLICATION_STATES

    @property
    def is_info_requested(self):
        """Sent back with a question: the applicant answers by updating it."""
        return self.status == INFO_REQUESTED

    @property
    def is_withdrawn(self):
        return self.status == WITHDRAWN

    @property
    def is_approved(self):
        return self.status == APPROVED

    @property
    def is_rejected(self):
        return self.status == REJECTED

    @property
    def status_label(self):
        return APPLICATION_STATE_LABELS[self.status]

    def waiting_days(self, now=None):
        return ((now or utcnow()) - self.submitted_at).days


class Commitment(db.Model):
    __tablename__ = "commitments"
    # current_role is the role while the commitment is waiting for training or active,
    # NULL once it has ended: at most one current commitment per person and role.
    # (status, user_id): the coordinators' list reads a state's commitments and their
    # volunteers from the index alone, to sort them by name; (status, ended_on,
    # end_reason): the year's early ends, counted per reason from the index alone;
    # (role, status, user_id): who still needs a training module, from the index alone.
    __table_args__ = (UniqueConstraint("user_id", "current_role"),
                      Index("ix_commitments_status_user_id", "status", "user_id"),
                      Index("ix_commitments_role_status_user_id", "role", "status",
                            "user_id"),
                      Index("ix_commitments_status_ended_on", "status", "ended_on",
                            "end_reason"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(ForeignKey("volunteer_roles.code"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id", ondelete="SET NULL")
    )
    renewed_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL"), index=True  # a volunteer's renewals
    )
    status: Mapped[str] = mapped_column(String(20), default=AWAITING_TRAINING, index=True)
    current_role: Mapped[str | None] = mapped_column(String(20))
    start_date: Mapped[date]
    end_date: Mapped[date] = mapped_column(index=True)
    min_months: Mapped[int] = mapped_column(default=MINIMUM_MONTHS)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    completed_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))
    end_note: Mapped[str | None] = mapped_column(Text)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    application: Mapped[Application | None] = relationship(back_populates="commitment")
    volunteer_role: Mapped[VolunteerRole] = relationship()
    renewed_from: Mapped["Commitment | None"] = relationship(
        remote_side=[id], back_populates="renewals")
    # The commitments that continue this one (at most one: services.renew).
    renewals: Mapped[list["Commitment"]] = relationship(back_populates="renewed_from")

    def current_status(self, today):
        """The status as of ``today``: an active commitment past its end date is completed,
        even before the sweep has recorded it."""
        if self.status == ACTIVE and today >= self.end_date:
            return COMPLETED
        return self.status

    @property
    def is_awaiting_training(self):
        return self.status == AWAITING_TRAINING

    @property
    def is_ended_early(self):
        return self.status == ENDED_EARLY

    def is_active_on(self, today):
        return self.current_status(today) == ACTIVE

    def is_completed_on(self, today):
        """Served, as of ``today`` (recorded by the sweep or not yet)."""
        return self.current_status(today) == COMPLETED

    def is_current_on(self, today):
        """Waiting for training or active as of ``today``: not ended in any way."""
        return self.current_status(today) in CURRENT_COMMITMENT_STATES

    @classmethod
    def ending_soon(cls, today, days=ENDING_SOON_DAYS):
        """SQL conditions: active and ending within ``days`` after ``today``."""
        return (cls.status == ACTIVE, cls.end_date > today,
                cls.end_date <= today + timedelta(days=days))

    def has_started_on(self, today):
        """Active or completed as of ``today``: there is service to show."""
        return self.is_active_on(today) or self.is_completed_on(today)

    def months_served(self, today):
        if self.is_awaiting_training:
            return 0
        until = min(today, self.ended_on or self.end_date)
        return min(full_months_between(self.start_date, until), self.min_months)
