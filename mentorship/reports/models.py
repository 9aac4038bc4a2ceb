from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import utcnow
from ..extensions import db


class PublishedReport(db.Model):
    """A frozen annual report: published numbers never change; a correction is a new
    version with a note."""

    __tablename__ = "published_reports"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    data: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class MilestoneReached(db.Model):
    """A milestone the programme reached in a year (coordinators are told once)."""

    __tablename__ = "milestones_reached"
    __table_args__ = (UniqueConstraint("year", "threshold"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    threshold: Mapped[int]
    reached_at: Mapped[datetime] = mapped_column(default=utcnow)


class SentReminder(db.Model):
    """One reminder that went out; its key makes sure it never goes out twice."""

    __tablename__ = "sent_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
