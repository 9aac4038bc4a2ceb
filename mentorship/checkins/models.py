"""Check-ins: short questionnaires at the start, after three months and at the end of a
match, for the newcomer and (shorter) for the volunteer.

A question's wording lives in versions: editing it makes a new version, and an answer
keeps the version it was given to, so a changed question never rewrites old answers.
"""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l

# Who a check-in is for (the side of the match).
NEWCOMER, VOLUNTEER = "newcomer", "volunteer"
AUDIENCES = (NEWCOMER, VOLUNTEER)
AUDIENCE_LABELS = {NEWCOMER: _l("Newcomer"), VOLUNTEER: _l("Volunteer")}

# When: within the first week, after three months, at the end of the match.
BASELINE, THREE_MONTHS, END = "baseline", "three_months", "end"
MOMENTS = (BASELINE, THREE_MONTHS, END)
MOMENT_LABELS = {BASELINE: _l("At the start"), THREE_MONTHS: _l("After three months"),
                 END: _l("At the end")}

# A check-in's state. "closed": its match ended before it was answered (not a miss).
OPEN, ANSWERED, MISSED, CLOSED = "open", "answered", "missed", "closed"
CHECKIN_STATE_LABELS = {OPEN: _l("Waiting for an answer"), ANSWERED: _l("Answered"),
                        MISSED: _l("Missed"), CLOSED: _l("Closed: the match ended")}

# How a question is answered.
SCALE = "scale"  # five steps, 1 (very hard) to 5 (very good), words and pictograms
WORK = "work"    # in work, training or a course: 0 no, 1 looking, 2 yes
YESNO = "yesno"  # 0 no, 1 yes
TEXT = "text"    # optional free text
KINDS = (SCALE, WORK, YESNO, TEXT)
VERY_HARD_ANSWER = 1
SCALE_STEPS = (1, 2, 3, 4, 5)
SCALE_LABELS = {1: _l("Very hard"), 2: _l("Hard"), 3: _l("In between"), 4: _l("Good"),
                5: _l("Very good")}
WORK_STEPS = (2, 1, 0)
WORK_LABELS = {2: _l("Yes"), 1: _l("Looking"), 0: _l("No")}
YESNO_STEPS = (1, 0)
YESNO_LABELS = {1: _l("Yes"), 0: _l("No")}


class CheckinQuestion(db.Model):
    """One question of the newcomer's or the volunteer's check-in."""

    __tablename__ = "checkin_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(30), unique=True)  # stable: effects use it
    audience: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)  # the current version's number

    versions: Mapped[list["CheckinQuestionVersion"]] = relationship(
        back_populates="question", order_by="CheckinQuestionVersion.version",
        cascade="all, delete-orphan")

    @property
    def current(self):
        return next(v for v in self.versions if v.version == self.version)


class CheckinQuestionVersion(db.Model):
    """A question's wording in each language, as it was asked from ``created_at``."""

    __tablename__ = "checkin_question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_questions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    texts: Mapped[dict] = mapped_column(JSON)  # {"en": …, "fr": …, "ar": …, "uk": …}
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))

    question: Mapped[CheckinQuestion] = relationship(back_populates="versions")

    def text(self, locale):
        """The wording in ``locale``, else in English (every version has English)."""
        return self.texts.get(locale) or self.texts.get("en") or ""


class Checkin(db.Model):
    """One person's check-in at one moment of one match."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("match_id", "audience", "moment"),
                      Index("ix_checkins_status_due_on", "status", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"),
                                          index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    audience: Mapped[str] = mapped_column(String(20))
    moment: Mapped[str] = mapped_column(String(20))
    opens_on: Mapped[date]
    due_on: Mapped[date]  # the last day it can be answered
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    # Who sent the answers: the person, or a coordinator on their behalf.
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    match: Mapped["Match"] = relationship()  # noqa: F821
    person: Mapped["User"] = relationship(foreign_keys=[person_id])  # noqa: F821
    answered_by: Mapped["User | None"] = relationship(  # noqa: F821
        foreign_keys=[answered_by_id])
    answers: Mapped[list["CheckinAnswer"]] = relationship(
        back_populates="checkin", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def moment_label(self):
        return MOMENT_LABELS[self.moment]

    @property
    def status_label(self):
        return CHECKIN_STATE_LABELS[self.status]


class CheckinAnswer(db.Model):
    """One answer; ``skipped`` when the person chose not to answer (never a value)."""

    __tablename__ = "checkin_answers"
    __table_args__ = (UniqueConstraint("checkin_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"),
                                            index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("checkin_questions.id"), index=True)
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_question_versions.id"))
    value: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)
    skipped: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    checkin: Mapped[Checkin] = relationship(back_populates="answers")
    question: Mapped[CheckinQuestion] = relationship()
    question_version: Mapped[CheckinQuestionVersion] = relationship()
