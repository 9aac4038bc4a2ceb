"""Tables of the messaging area: a message a coordinator sent to a group, and who got it."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l

# The groups a coordinator writes to (services.recipients computes each one).
SESSION_ENROLLED = "session_enrolled"
SESSION_WAITLISTED = "session_waitlisted"
VOLUNTEERS = "volunteers"
NEWCOMERS_WAITING = "newcomers_waiting"
MATCH = "match"
PERSON = "person"
GROUPS = (SESSION_ENROLLED, SESSION_WAITLISTED, VOLUNTEERS, NEWCOMERS_WAITING, MATCH, PERSON)
GROUP_LABELS = {
    SESSION_ENROLLED: _l("People with a seat in a training session"),
    SESSION_WAITLISTED: _l("The waiting list of a training session"),
    VOLUNTEERS: _l("Active volunteers (by role and neighbourhood)"),
    NEWCOMERS_WAITING: _l("Newcomers still waiting for a buddy"),
    MATCH: _l("The two people of a match"),
    PERSON: _l("One person"),
}

# Operational messages reach everyone; optional ones only people who accept optional
# emails (User.optional_emails, on their account page).
OPERATIONAL, OPTIONAL = "operational", "optional"
KINDS = (OPERATIONAL, OPTIONAL)
KIND_LABELS = {
    OPERATIONAL: _l("Operational: about their training, match or commitment (goes to everyone)"),
    OPTIONAL: _l("Optional: news and invitations (only people who accept optional emails)"),
}

SUBJECT_MAX = 200
BODY_MAX = 10_000
TOKEN_MAX = 64


class Message(db.Model):
    """A message sent to a group: the text in each language written, and the group as
    it was described when it was sent (recipients are in MessageRecipient)."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The compose form's one-time token: posting it twice (double click, retry) sends once.
    token: Mapped[str] = mapped_column(String(TOKEN_MAX), unique=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  index=True)
    group_kind: Mapped[str] = mapped_column(String(20))
    # The ids that chose the group (session_id, role, neighbourhood_id, match_id, person_id)
    # and the names they had when it was sent, so the list never loads them again.
    group_params: Mapped[dict] = mapped_column(JSON, default=dict)
    group_names: Mapped[dict] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(20), default=OPERATIONAL)
    # {language code: {"subject": …, "body": …}} for each language written.
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    default_locale: Mapped[str] = mapped_column(String(8))
    recipient_count: Mapped[int] = mapped_column(default=0)
    emailed_count: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    sender: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def to_call_count(self):
        return self.recipient_count - self.emailed_count

    def text_for(self, locale):
        """(language, subject, body) a person with ``locale`` gets: theirs if written,
        else the programme's default at the time of sending."""
        code = locale if locale in self.texts else self.default_locale
        text = self.texts.get(code) or {}
        return code, text.get("subject", ""), text.get("body", "")


class MessageRecipient(db.Model):
    """One person a message was for, in the language they got it; ``emailed`` is False
    for a person without an email address (the coordinator calls them)."""

    __tablename__ = "message_recipients"
    __table_args__ = (UniqueConstraint("message_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    emailed: Mapped[bool] = mapped_column(default=True)

    message: Mapped[Message] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821
