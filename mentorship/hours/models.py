from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l

MEETING, LANGUAGE_SESSION, HOUSING_HELP, TRAINING, EVENT, OTHER = (
    "meeting", "language_session", "housing_help", "training", "event", "other")
ACTIVITIES = (MEETING, LANGUAGE_SESSION, HOUSING_HELP, TRAINING, EVENT, OTHER)
MATCH_ACTIVITIES = (MEETING, LANGUAGE_SESSION, HOUSING_HELP)
ACTIVITY_LABELS = {
    MEETING: _l("Meeting with my newcomer"),
    LANGUAGE_SESSION: _l("Language session"),
    HOUSING_HELP: _l("Housing help"),
    TRAINING: _l("Training"),
    EVENT: _l("Programme event"),
    OTHER: _l("Other"),
}
# Limits of what one volunteer logs: the service checks them, the form and the page
# read them, and the messages are formatted from them.
MIN_ENTRY_MINUTES = 5
MAX_ENTRY_HOURS = 12  # one entry; a longer day is two entries
MAX_ENTRY_MINUTES = MAX_ENTRY_HOURS * 60
MAX_DAY_HOURS = 16  # all of one day's entries together
MAX_DAY_MINUTES = MAX_DAY_HOURS * 60

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUS_LABELS = {
    PENDING: _l("Waiting for verification"),
    APPROVED: _l("Approved"),
    REJECTED: _l("Not accepted"),
}


class HourEntry(db.Model):
    """Time a volunteer gave. Approved entries are never edited: a correction is a new
    entry, or a reversal (negative minutes) recorded by a coordinator."""

    __tablename__ = "hour_entries"
    __table_args__ = (
        # The form's one-time token: posting it twice (double click, retry) saves once.
        UniqueConstraint("user_id", "token"),
        Index("ix_hour_entries_user_day", "user_id", "day"),
        Index("ix_hour_entries_status_created", "status", "created_at"),
        # The figures (approved minutes and volunteers by day, dashboard and /impact) read
        # this index alone; the approved list walks the second in date order.
        Index("ix_hour_entries_status_day", "status", "day", "user_id", "minutes"),
        Index("ix_hour_entries_status_reversal_day", "status", "reversal_of_id", "day"),
        # The queue's count by role and neighbourhood reads this index alone.
        Index("ix_hour_entries_status_commitment_id_user_id", "status", "commitment_id",
              "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    commitment_id: Mapped[int | None] = mapped_column(
        ForeignKey("commitments.id", ondelete="SET NULL"), index=True)
    match_id: Mapped[int | None] = mapped_column(
        ForeignKey("matches.id", ondelete="SET NULL"), index=True)
    day: Mapped[date]
    minutes: Mapped[int]
    activity: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    confirmed_by_newcomer_at: Mapped[datetime | None]
    reversal_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("hour_entries.id", ondelete="SET NULL"))

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    match: Mapped["Match | None"] = relationship()  # noqa: F821
    commitment: Mapped["Commitment | None"] = relationship()  # noqa: F821

    @property
    def is_pending(self):
        return self.status == PENDING

    @property
    def is_approved(self):
        return self.status == APPROVED

    @property
    def is_rejected(self):
        return self.status == REJECTED

    @property
    def is_reversal(self):
        """A coordinator's correction cancelling an approved entry's time."""
        return self.reversal_of_id is not None

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def activity_label(self):
        return ACTIVITY_LABELS[self.activity]
