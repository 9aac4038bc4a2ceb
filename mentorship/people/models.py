"""Tables of the people area (invitations)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db


class Invitation(db.Model):
    """A short code that lets a person a coordinator registered claim their account (set a
    password) once, before it expires. Only the code's HMAC is kept (people.invitations):
    the code in clear exists on the printed page and in the coordinator's browser only."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Claimed (single use) …
    used_at: Mapped[datetime | None]
    # … or made void by a newer invitation for the same person.
    replaced_at: Mapped[datetime | None]

    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821

    def is_expired(self, now=None):
        return (now or utcnow()) >= self.expires_at

    def state(self, now=None):
        """"used", "replaced", "expired" or "valid"."""
        if self.used_at is not None:
            return "used"
        if self.replaced_at is not None:
            return "replaced"
        if self.is_expired(now):
            return "expired"
        return "valid"
