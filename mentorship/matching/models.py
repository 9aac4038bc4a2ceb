from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l

# A request waiting longer than this many full days is flagged on the board.
FLAG_AFTER_DAYS = 14
OPEN, MATCHED, CLOSED, CANCELLED = "open", "matched", "closed", "cancelled"
REQUEST_STATE_LABELS = {
    OPEN: _l("Looking for a buddy"),
    MATCHED: _l("Buddy found"),
    CLOSED: _l("Closed"),
    CANCELLED: _l("Request cancelled"),
}
CURRENT_REQUEST_STATES = (OPEN, MATCHED)
# Why a request was closed before (or instead of) a match ending it (endings.close_request).
CLOSE_REASONS = ("moved_away", "no_longer_needed", "unreachable", "matched_elsewhere")
CLOSE_REASON_LABELS = {
    "moved_away": _l("Moved away"),
    "no_longer_needed": _l("No longer needed"),
    "unreachable": _l("Could not be reached"),
    "matched_elsewhere": _l("Found help elsewhere"),
}
# What a newcomer may say when closing their own request ("unreachable" is the team's).
NEWCOMER_CLOSE_REASONS = tuple(r for r in CLOSE_REASONS if r != "unreachable")
# The board's "waiting long" filter, in full days (a week, like the dashboard's urgency).
WAITING_LONG_DAYS = 7

NEEDS = ("procedures", "customs", "meeting_people", "language_practice", "finding_housing",
         "tenancy_paperwork", "finding_work", "school_childcare")
NEED_LABELS = {
    "procedures": _l("Administrative procedures"),
    "customs": _l("Local customs"),
    "meeting_people": _l("Meeting people"),
    "language_practice": _l("Practising the language"),
    "finding_housing": _l("Finding housing"),
    "tenancy_paperwork": _l("Tenancy paperwork"),
    "finding_work": _l("Finding work"),
    "school_childcare": _l("School and childcare"),
}
CONTACTS = ("phone", "email", "office")
CONTACT_LABELS = {
    "phone": _l("By phone"),
    "email": _l("By email"),
    "office": _l("In person at the programme office"),
}
# What each kind of help means, in plain words, for newcomers choosing.
HELP_LABELS = {
    "mentor": _l("A mentor for daily life and procedures"),
    "language_buddy": _l("A language buddy to practise speaking"),
    "housing_helper": _l("A housing helper to find and keep a home"),
}
HELP_DESCRIPTIONS = {
    "mentor": _l("Someone from the city who explains how things work here, helps with "
                 "simple paperwork and introduces you to people."),
    "language_buddy": _l("Someone who meets you to talk, so that you practise the language "
                         "of everyday life."),
    "housing_helper": _l("Someone who helps you look for a flat, visit it and understand the "
                         "lease."),
}

PROPOSED, ACTIVE, COMPLETED, ENDED_EARLY, DECLINED, WITHDRAWN = (
    "proposed", "active", "completed", "ended_early", "declined", "withdrawn")
MATCH_STATE_LABELS = {
    PROPOSED: _l("Proposed: waiting for answers"),
    ACTIVE: _l("Active"),
    COMPLETED: _l("Completed"),
    ENDED_EARLY: _l("Ended early"),
    DECLINED: _l("Declined"),
    WITHDRAWN: _l("Withdrawn by the programme team"),
}
# Matches that take one of the volunteer's places.
PLACE_TAKING_STATES = (PROPOSED, ACTIVE)
# How a coordinator may end an active match.
MATCH_OUTCOMES = (COMPLETED, ENDED_EARLY)
DECLINE_REASONS = ("no_time", "not_right_fit", "other")
DECLINE_REASON_LABELS = {
    "no_time": _l("No time at the moment"),
    "not_right_fit": _l("Not the right fit"),
    "other": _l("Other"),
}
MATCH_END_REASONS = ("needs_met", "moved_away", "lack_of_time", "not_right_fit", "conduct",
                     "other")
MATCH_END_REASON_LABELS = {
    "needs_met": _l("The newcomer's needs are met"),
    "moved_away": _l("Moved away"),
    "lack_of_time": _l("Lack of time"),
    "not_right_fit": _l("Not the right fit"),
    "conduct": _l("Conduct"),
    "other": _l("Other"),
}
# Set by the erasure of either person's account (mentorship/privacy), never chosen in a form.
LEFT_PROGRAMME = "left_programme"
MATCH_END_REASON_LABELS[LEFT_PROGRAMME] = _l("Left the programme")
# A match ended because its request was closed keeps the request's reason.
MATCH_END_REASON_LABELS.update({reason: label for reason, label in CLOSE_REASON_LABELS.items()
                                if reason not in MATCH_END_REASON_LABELS})


class BuddyRequest(db.Model):
    __tablename__ = "buddy_requests"
    # current_role: the kind of help while the request is open or matched, NULL after.
    # The board lists open requests oldest first (lists.board).
    __table_args__ = (UniqueConstraint("user_id", "current_role"),
                      Index("ix_buddy_requests_status_created_at", "status", "created_at",
                            "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(ForeignKey("volunteer_roles.code"), index=True)
    current_role: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=OPEN, index=True)
    target_language: Mapped[str | None] = mapped_column(String(8))
    needs: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="SET NULL"))
    availability: Mapped[list] = mapped_column(JSON, default=list)
    preferred_contact: Mapped[str] = mapped_column(String(10), default="email")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    matched_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(20))
    close_note: Mapped[str | None] = mapped_column(Text)

    user: Mapped["User"] = relationship()  # noqa: F821
    neighbourhood: Mapped["Neighbourhood | None"] = relationship()  # noqa: F821
    matches: Mapped[list["Match"]] = relationship(back_populates="request",
                                                  order_by="Match.created_at")

    @property
    def status_label(self):
        return REQUEST_STATE_LABELS[self.status]

    @property
    def is_open(self):
        """Waiting for a buddy: the newcomer may still cancel it."""
        return self.status == OPEN

    @property
    def close_reason_label(self):
        return CLOSE_REASON_LABELS.get(self.close_reason) if self.close_reason else None

    @property
    def is_current(self):
        """Open or matched: the newcomer cannot ask for this kind of help again."""
        return self.status in CURRENT_REQUEST_STATES

    def waiting_days(self, now=None):
        return ((now or utcnow()) - self.created_at).days

    def is_flagged(self, now=None):
        """Waiting more than FLAG_AFTER_DAYS full days (the board's flag)."""
        return self.waiting_days(now) > FLAG_AFTER_DAYS


class Match(db.Model):
    __tablename__ = "matches"
    # The coordinator's lists of active matches and of proposals, oldest first
    # (lists.matches_list).
    __table_args__ = (Index("ix_matches_status_activated_at", "status", "activated_at", "id"),
                      Index("ix_matches_status_created_at", "status", "created_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("buddy_requests.id", ondelete="CASCADE"), index=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    newcomer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    status: Mapped[str] = mapped_column(String(20), default=PROPOSED, index=True)
    score: Mapped[int | None]
    reasons: Mapped[list | None] = mapped_column(JSON)
    override_note: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    volunteer_accepted_at: Mapped[datetime | None]
    newcomer_accepted_at: Mapped[datetime | None]
    # "volunteer" | "newcomer" | "coordinator" (a proposal withdrawn by the team)
    declined_by: Mapped[str | None] = mapped_column(String(20))
    decline_reason: Mapped[str | None] = mapped_column(String(20))
    decline_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    activated_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))
    end_note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[BuddyRequest] = relationship(back_populates="matches")
    commitment: Mapped["Commitment"] = relationship()  # noqa: F821
    volunteer: Mapped["User"] = relationship(foreign_keys=[volunteer_id])  # noqa: F821
    newcomer: Mapped["User"] = relationship(foreign_keys=[newcomer_id])  # noqa: F821
    # Early-warning flags raised by check-ins (checkins/flags.py); the open ones show as a
    # badge wherever the match is listed.
    flags: Mapped[list["MatchFlag"]] = relationship(
        back_populates="match", order_by="MatchFlag.raised_at", cascade="all, delete-orphan",
        passive_deletes=True)
    open_flags: Mapped[list["MatchFlag"]] = relationship(
        primaryjoin="and_(MatchFlag.match_id == Match.id, MatchFlag.resolved_at.is_(None))",
        order_by="MatchFlag.raised_at", viewonly=True)

    @property
    def status_label(self):
        return MATCH_STATE_LABELS[self.status]

    @property
    def is_proposed(self):
        """Waiting for both people's answers."""
        return self.status == PROPOSED

    @property
    def is_active(self):
        """Both said yes and it has not ended: they may contact each other."""
        return self.status == ACTIVE

    @property
    def is_withdrawn(self):
        return self.status == WITHDRAWN

    @property
    def is_live(self):
        """Proposed or active: it takes one of the volunteer's places."""
        return self.status in PLACE_TAKING_STATES

    def side_of(self, user):
        if user.id == self.volunteer_id:
            return "volunteer"
        if user.id == self.newcomer_id:
            return "newcomer"
        return None

    def other_person(self, user):
        """The other person of the match, seen from ``user`` (None for anyone else)."""
        side = self.side_of(user)
        if side is None:
            return None
        return self.newcomer if side == "volunteer" else self.volunteer

    def has_answered(self, side):
        stamp = self.volunteer_accepted_at if side == "volunteer" else self.newcomer_accepted_at
        return stamp is not None

    def accepted_by(self, user):
        """``user`` already said yes to this proposal."""
        side = self.side_of(user)
        return side is not None and self.has_answered(side)


# Early warning -------------------------------------------------------------------------

# Why a match is flagged: a "very hard" answer in a check-in, a volunteer asking for
# support, or check-ins left unanswered (every second one missed on the match).
VERY_HARD, SUPPORT, MISSED_CHECKINS = "very_hard", "support", "missed"
FLAG_REASONS = (VERY_HARD, SUPPORT, MISSED_CHECKINS)
FLAG_REASON_LABELS = {
    VERY_HARD: _l("A “very hard” answer in a check-in"),
    SUPPORT: _l("The volunteer asks for support"),
    MISSED_CHECKINS: _l("Two check-ins missed"),
}


class MatchFlag(db.Model):
    """A match that needs a coordinator's attention; resolved when they record what they
    did. One flag per check-in and reason (the unique constraint holds it under races)."""

    __tablename__ = "match_flags"
    __table_args__ = (UniqueConstraint("checkin_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"),
                                          index=True)
    reason: Mapped[str] = mapped_column(String(20))
    checkin_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)  # what the coordinator did

    match: Mapped[Match] = relationship(back_populates="flags")
    checkin: Mapped["Checkin | None"] = relationship()  # noqa: F821
    resolved_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def reason_label(self):
        return FLAG_REASON_LABELS[self.reason]

    @property
    def is_open(self):
        return self.resolved_at is None
