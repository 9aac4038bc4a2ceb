from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import NEWCOMER
from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..programme.languages import in_reader_language

DRAFT, NOMINATIONS_OPEN, SHORTLISTING, VOTING, ANNOUNCED = (
    "draft", "nominations_open", "shortlisting", "voting", "announced")
STATES = (DRAFT, NOMINATIONS_OPEN, SHORTLISTING, VOTING, ANNOUNCED)
STATE_LABELS = {
    DRAFT: _l("In preparation"),
    NOMINATIONS_OPEN: _l("Nominations are open"),
    SHORTLISTING: _l("The team is shortlisting"),
    VOTING: _l("The jury is voting"),
    ANNOUNCED: _l("Winners announced"),
}
NEXT_STATE = dict(zip(STATES, STATES[1:], strict=False))
# Default categories: code, the volunteer role it honours, nominated by newcomers only.
DEFAULT_CATEGORIES = (
    ("mentor_of_the_year", "mentor", False),
    ("language_buddy_of_the_year", "language_buddy", False),
    ("housing_helper_of_the_year", "housing_helper", False),
    ("newcomers_choice", None, True),
)
CATEGORY_LABELS = {
    "mentor_of_the_year": _l("Mentor of the year"),
    "language_buddy_of_the_year": _l("Language buddy of the year"),
    "housing_helper_of_the_year": _l("Housing helper of the year"),
    "newcomers_choice": _l("Newcomers' choice"),
}
CITATION_MIN, CITATION_MAX = 50, 2000
# The public page shows citations cut to this many characters (an ellipsis included).
SHORT_CITATION = 200
SCORE_MIN, SCORE_MAX = 1, 5
COMMENT_MAX = 1000
DEFAULT_SHORTLIST_SIZE = 3
SHORTLIST_SIZE_MIN, SHORTLIST_SIZE_MAX = 1, 10
FIRST_YEAR, LAST_YEAR = 2020, 2100
PLACE_MAX = 300
CEREMONY_HOURS = 2


class AwardCycle(db.Model):
    __tablename__ = "award_cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    nominations_open_on: Mapped[date]
    nominations_close_on: Mapped[date]
    voting_deadline: Mapped[date]
    ceremony_at: Mapped[datetime]  # UTC
    ceremony_place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    # What the cycle is about, in as many languages as the coordinators wrote it:
    # {"fr": "...", "en": "..."}; each reader gets theirs
    # (see programme.languages.in_reader_language).
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)
    shortlist_size: Mapped[int] = mapped_column(default=DEFAULT_SHORTLIST_SIZE)
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    categories: Mapped[list["AwardCategory"]] = relationship(
        back_populates="cycle", order_by="AwardCategory.position", cascade="all, delete-orphan")
    jurors: Mapped[list["Juror"]] = relationship(cascade="all, delete-orphan")
    chair: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def is_nominating(self):
        """Nominations are open (the state; the dates are checked when one is sent)."""
        return self.state == NOMINATIONS_OPEN

    @property
    def is_shortlisting(self):
        return self.state == SHORTLISTING

    @property
    def is_voting(self):
        return self.state == VOTING

    @property
    def is_announced(self):
        return self.state == ANNOUNCED

    def voting_closed(self, today):
        """The voting deadline has passed."""
        return today > self.voting_deadline

    @property
    def description(self):
        """(language, text) of the description for the reader."""
        return in_reader_language(self.descriptions)

    def results_visible(self, today):
        """Coordinators see the tally once voting has closed, and after the announcement."""
        return self.is_announced or (self.is_voting and self.voting_closed(today))


class AwardCategory(db.Model):
    __tablename__ = "award_categories"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id", ondelete="CASCADE"),
                                          index=True)
    code: Mapped[str] = mapped_column(String(40))
    role: Mapped[str | None] = mapped_column(String(20))
    newcomers_only: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    winner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    tie_break_winner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    tie_break_reason: Mapped[str | None] = mapped_column(Text)

    cycle: Mapped[AwardCycle] = relationship(back_populates="categories")
    winner: Mapped["User | None"] = relationship(foreign_keys=[winner_id])  # noqa: F821

    @property
    def label(self):
        return CATEGORY_LABELS.get(self.code, self.code)

    def open_to(self, user):
        """``user`` may nominate in this category (some take newcomers' nominations only)."""
        return not self.newcomers_only or user.has_role(NEWCOMER)


class Juror(db.Model):
    __tablename__ = "award_jurors"
    __table_args__ = (UniqueConstraint("cycle_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    user: Mapped["User"] = relationship()  # noqa: F821


class Nomination(db.Model):
    __tablename__ = "nominations"
    __table_args__ = (UniqueConstraint("category_id", "nominator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id", ondelete="CASCADE"),
                                          index=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("award_categories.id", ondelete="CASCADE"), index=True)
    nominator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    nominee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                            index=True)
    citation: Mapped[str] = mapped_column(Text)
    # The text shown publicly, once a coordinator reviewed the citation (approved as it
    # is, or edited); None: not reviewed, nothing of it is published.
    public_citation: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[AwardCategory] = relationship()
    nominee: Mapped["User"] = relationship(foreign_keys=[nominee_id])  # noqa: F821
    nominator: Mapped["User"] = relationship(foreign_keys=[nominator_id])  # noqa: F821

    @property
    def is_reviewed(self):
        return self.public_citation is not None


class Shortlisted(db.Model):
    """A nominee on a category's shortlist (what the jury votes on)."""

    __tablename__ = "award_shortlist"
    __table_args__ = (UniqueConstraint("category_id", "nominee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("award_categories.id", ondelete="CASCADE"), index=True)
    nominee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    nominee: Mapped["User"] = relationship()  # noqa: F821


class Decline(db.Model):
    """A nominee who asked not to be considered this year."""

    __tablename__ = "award_declines"
    __table_args__ = (UniqueConstraint("cycle_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublicConsent(db.Model):
    """A nominee agreed to appear on the public winners' page of a cycle (opt-in; deleting
    the row withdraws it, even after the announcement)."""

    __tablename__ = "award_public_consents"
    __table_args__ = (UniqueConstraint("cycle_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vote(db.Model):
    __tablename__ = "award_votes"
    __table_args__ = (UniqueConstraint("category_id", "nominee_id", "juror_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("award_categories.id", ondelete="CASCADE"), index=True)
    nominee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
