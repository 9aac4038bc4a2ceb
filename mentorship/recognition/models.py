import secrets
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..programme.languages import in_reader_language

VENUE_KINDS = ("museum", "theatre", "concert_hall", "cinema", "library", "other")
VENUE_KIND_LABELS = {
    "museum": _l("Museum"), "theatre": _l("Theatre"), "concert_hall": _l("Concert hall"),
    "cinema": _l("Cinema"), "library": _l("Library"), "other": _l("Other venue"),
}  # fmt: skip
ISSUED, REDEEMED, EXPIRED, REVOKED = "issued", "redeemed", "expired", "revoked"
PASS_STATE_LABELS = {
    ISSUED: _l("Valid"),
    REDEEMED: _l("Used"),
    EXPIRED: _l("Expired"),
    REVOKED: _l("Revoked"),
}
# The states a coordinator filters passes by, as the holder sees them (an issued pass
# past its date is expired).
PASS_FILTER_STATES = (ISSUED, REDEEMED, EXPIRED, REVOKED)
SHORT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud
PASS_CODE_BYTES = 16  # 128 bits: the code in the QR code
SHORT_CODE_LENGTH = 10  # 50 bits from SHORT_ALPHABET, shown in two halves: ABCDE-FGHJK


def pass_code():
    """128 bits from the operating system's random source: nothing to guess from."""
    return secrets.token_urlsafe(PASS_CODE_BYTES)


def short_code():
    """Ten characters (50 bits) a person can read out or type: ABCDE-FGHJK."""
    return "".join(secrets.choice(SHORT_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


class Partner(db.Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="museum")
    address: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    staff: Mapped[list["PartnerStaff"]] = relationship(back_populates="partner",
                                                      cascade="all, delete-orphan")


class PartnerStaff(db.Model):
    """A partner-role account that checks passes at one venue."""

    __tablename__ = "partner_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)

    partner: Mapped[Partner] = relationship(back_populates="staff")
    user: Mapped["User"] = relationship()  # noqa: F821


class Perk(db.Model):
    __tablename__ = "perks"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"),
                                            index=True)
    # One text per language the programme fills: {"fr": "...", "en": "..."}.
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(20), default="museum")
    stock: Mapped[int] = mapped_column(default=10)
    claimed: Mapped[int] = mapped_column(default=0)
    per_volunteer: Mapped[int] = mapped_column(default=1)
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    min_hours: Mapped[int] = mapped_column(default=0)
    min_months: Mapped[int] = mapped_column(default=0)
    certificate_required: Mapped[bool] = mapped_column(default=False)
    roles: Mapped[list] = mapped_column(JSON, default=list)  # empty: every role
    paused: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship()

    @staticmethod
    def text_for_reader(texts):
        """One of ``titles`` or ``descriptions``, in the reader's language."""
        return in_reader_language(texts or {})[1]

    @property
    def title(self):
        return self.text_for_reader(self.titles)

    @property
    def description(self):
        return self.text_for_reader(self.descriptions)

    @property
    def stock_left(self):
        return max(self.stock - self.claimed, 0)


class Pass(db.Model):
    __tablename__ = "passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    perk_id: Mapped[int] = mapped_column(ForeignKey("perks.id", ondelete="CASCADE"),
                                         index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, default=pass_code)
    short_code: Mapped[str] = mapped_column(String(12), unique=True, default=short_code)
    status: Mapped[str] = mapped_column(String(10), default=ISSUED, index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_on: Mapped[date]
    redeemed_at: Mapped[datetime | None] = mapped_column(index=True)
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))

    perk: Mapped[Perk] = relationship()
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    redeemed_by: Mapped["User | None"] = relationship(foreign_keys=[redeemed_by_id])  # noqa: F821

    def current_status(self, today):
        if self.status == ISSUED and today > self.expires_on:
            return EXPIRED
        return self.status

    @property
    def is_issued(self):
        """Issued and neither used nor revoked (it may still have expired by date)."""
        return self.status == ISSUED

    @property
    def is_redeemed(self):
        return self.status == REDEEMED

    @property
    def is_revoked(self):
        return self.status == REVOKED

    @property
    def may_be_revoked(self):
        """A coordinator may revoke a pass that has been neither used nor revoked."""
        return self.is_issued

    def is_valid_on(self, today):
        """The venue may let its holder in on ``today``."""
        return self.current_status(today) == ISSUED

    def is_expired_on(self, today):
        return self.current_status(today) == EXPIRED

    @property
    def short_code_display(self):
        half = SHORT_CODE_LENGTH // 2
        return f"{self.short_code[:half]}-{self.short_code[half:]}"
