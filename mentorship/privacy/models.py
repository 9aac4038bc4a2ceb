from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l

# An erasure request: asked by the person, then erased (confirmed by a coordinator, or
# automatically after ERASURE_CONFIRM_AFTER_DAYS), or cancelled by the person.
REQUESTED, ERASED, CANCELLED = "requested", "erased", "cancelled"
ERASURE_STATE_LABELS = {
    REQUESTED: _l("Waiting for a coordinator"),
    ERASED: _l("Erased"),
    CANCELLED: _l("Cancelled"),
}
NOTICE_MAX = 50_000


class PrivacyNotice(db.Model):
    """One language's text of one version of the privacy notice (Markdown, sanitised
    when shown). A new version is every language's text saved together."""

    __tablename__ = "privacy_notices"
    __table_args__ = (UniqueConstraint("version", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(index=True)
    locale: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))


class Consent(db.Model):
    """A person agreed to a version of the privacy notice, at a time."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("user_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasureRequest(db.Model):
    """A person asked for their account to be erased (one request per person)."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    status: Mapped[str] = mapped_column(String(20), default=REQUESTED)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who confirmed it (None: confirmed automatically, or by `flask privacy purge`).
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821

    @property
    def is_waiting(self):
        return self.status == REQUESTED

    @property
    def state_label(self):
        return ERASURE_STATE_LABELS[self.status]
