"""Everything the programme holds about one person, for their own copy (the page and the
JSON download).

``LINKED`` names, for every column that refers to a person (a foreign key to users.id),
the section of the copy that shows its rows; ``EXEMPT`` the few that are not the
person's own data, with the reason. tests/privacy/test_export.py walks the metadata and
fails for a column in neither, so a future table cannot be forgotten.

Check-ins: the person's own, with their answers (each with the wording they were asked,
the version kept with the answer), the flags their own answers raised (when, and when it
was resolved: not the coordinator's note, which is about both people of the match, as the
notes on a match never are), and the question wordings they wrote as a coordinator. Never
the other person's answers, nor a flag their answers raised.

Never in the copy: the password hash, sign-in tokens, the codes of passes, certificates
and calendar feeds (each a key to something), the other person of a match beyond their
first name, and who nominated the person (the award page never says it either; a
nomination received shows its reviewed public text only).
"""

from datetime import date, datetime

from sqlalchemy import and_, case, func, null, or_, select

from ..accounts.models import SignIn, User
from ..audit.models import AuditEvent
from ..audit.services import about
from ..awards.models import (
    AwardCategory,
    AwardCycle,
    Decline,
    Juror,
    Nomination,
    PublicConsent,
    Shortlisted,
    Vote,
)
from ..checkins.models import (
    SCALE,
    SCALE_LABELS,
    WORK,
    WORK_LABELS,
    YESNO,
    YESNO_LABELS,
    Checkin,
    CheckinAnswer,
    CheckinQuestion,
    CheckinQuestionVersion,
)
from ..extensions import db
from ..hours.models import HourEntry
from ..mail import SentEmail
from ..matching.models import BuddyRequest, Match, MatchFlag
from ..messaging.models import Message, MessageRecipient
from ..people.models import Invitation
from ..programme.languages import in_reader_language
from ..recognition.models import Partner, PartnerStaff, Pass, Perk
from ..reports.models import SentReminder
from ..training.models import (
    CalendarFeed,
    Certificate,
    Enrollment,
    ModuleCompletion,
    QuizAttempt,
    TrainingModule,
    TrainingSession,
)
from ..volunteering.models import Application, Commitment
from .models import Consent, ErasureRequest

LINKED = {
    ("applications", "user_id"): "applications", ("audit_events", "actor_id"): "audit.by_me",
    ("award_categories", "winner_id"): "awards.won",
    ("award_categories", "tie_break_winner_id"): "awards.won",
    ("award_cycles", "chair_id"): "awards.juries",
    ("award_declines", "user_id"): "awards.declined",
    ("award_jurors", "user_id"): "awards.juries",
    ("award_public_consents", "user_id"): "awards.public_consents",
    ("award_shortlist", "nominee_id"): "awards.shortlisted",
    ("award_votes", "juror_id"): "awards.votes_given",
    ("buddy_requests", "user_id"): "buddy_requests",
    ("calendar_feeds", "user_id"): "training.calendar_feed",
    ("certificates", "user_id"): "training.certificates",
    ("commitments", "user_id"): "commitments", ("consents", "user_id"): "consents",
    ("enrollments", "user_id"): "training.enrolments",
    ("erasure_requests", "user_id"): "erasure_request", ("hour_entries", "user_id"): "hours",
    ("language_skills", "user_id"): "languages",
    ("matches", "volunteer_id"): "matches", ("matches", "newcomer_id"): "matches",
    ("module_completions", "user_id"): "training.module_completions",
    ("nominations", "nominator_id"): "awards.nominations_given",
    ("nominations", "nominee_id"): "awards.nominations_received",
    ("partner_staff", "user_id"): "partner_venue", ("passes", "user_id"): "passes",
    ("quiz_attempts", "user_id"): "training.quiz_attempts",
    ("sent_emails", "recipient_id"): "emails", ("sent_reminders", "recipient_id"): "reminders",
    ("sign_ins", "user_id"): "sign_ins", ("user_roles", "user_id"): "account.roles",
    # The outbox holds the emails of the "emails" section until they are sent.
    ("outgoing_emails", "recipient_id"): "emails",
    ("message_recipients", "user_id"): "messages", ("invitations", "user_id"): "invitations",
    ("checkins", "person_id"): "checkins.checkins",
    ("checkin_question_versions", "created_by_id"): "checkins.question_versions",
}
STAFF_ACTION = "a staff member's action on someone else's record: it is in their audit.by_me"
EXEMPT = {
    ("applications", "decided_by_id"): STAFF_ACTION,
    ("certificates", "revoked_by_id"): STAFF_ACTION,
    ("commitments", "ended_by_id"): STAFF_ACTION + " (their own commitments are listed)",
    ("erasure_requests", "confirmed_by_id"): STAFF_ACTION,
    ("hour_entries", "decided_by_id"): STAFF_ACTION,
    ("matches", "proposed_by_id"): STAFF_ACTION, ("nominations", "reviewed_by_id"): STAFF_ACTION,
    ("passes", "redeemed_by_id"): "the venue staff who let a volunteer in: their audit.by_me",
    ("passes", "revoked_by_id"): STAFF_ACTION,
    ("privacy_notices", "published_by_id"): "who published a version of the notice",
    ("published_reports", "published_by_id"): "who published an annual report",
    ("award_votes", "nominee_id"): "the jury's confidential scores; the outcome is in "
                                   "awards.shortlisted and awards.won",
    ("messages", "sender_id"): STAFF_ACTION,
    ("invitations", "created_by_id"): STAFF_ACTION,
    # The person answering themselves is the check-in's person (in checkins.checkins).
    ("checkins", "answered_by_id"): "a coordinator answering on someone's behalf: "
                                    + STAFF_ACTION,
    ("match_flags", "resolved_by_id"): STAFF_ACTION,
}

# Audit notes on shared records the copy does not show (a match's coordinator notes, the
# other person's decline note, a tie-break reason): only the person's own are shown.
SHARED_NOTES = ("Match", "AwardCategory")


def export_person(user):
    """The whole copy, JSON-ready (dates in ISO 8601, times in UTC)."""
    return _jsonable(collect(user)[0])


def collect(user, limit=None):
    """The person's data as a dict of sections, and the set of sections cut at ``limit``
    rows (newest first; None: everything). A fixed number of queries."""
    uid, cut = user.id, set()

    def rows(name, query, *order):
        found = db.session.execute(query.order_by(*order).limit(
            None if limit is None else limit + 1)).all()
        if limit is not None and len(found) > limit:
            cut.add(name)
        return [dict(row._mapping) for row in found[:limit]]

    data = {
        "account": {
            "name": user.name, "email": user.email, "phone": user.phone,
            "language": user.locale,
            "neighbourhood": user.neighbourhood.name if user.neighbourhood else None,
            "roles": sorted(user.role_names), "created_at": user.created_at,
            "last_login_at": user.last_login_at, "optional_emails": user.optional_emails,
            "public_thanks": user.public_thanks, "shares_contact": user.shares_contact,
            "is_enabled": user.is_enabled, "disabled_at": user.disabled_at,
            "disabled_reason": user.disabled_reason, "erased_at": user.erased_at,
        },
        "languages": [{"language": s.language, "level": s.level} for s in user.languages],
        "consents": rows("consents", select(Consent.version, Consent.accepted_at).where(
            Consent.user_id == uid), Consent.version.desc()),
        "erasure_request": next(iter(rows("erasure_request", select(
            ErasureRequest.status, ErasureRequest.requested_at, ErasureRequest.erased_at)
            .where(ErasureRequest.user_id == uid))), None),
        "sign_ins": {
            "count": db.session.scalar(select(func.count()).where(SignIn.user_id == uid)),
            "started_at": [r["created_at"] for r in rows("sign_ins", select(
                SignIn.created_at).where(SignIn.user_id == uid), SignIn.created_at.desc())],
        },
        "applications": rows("applications", select(
            Application.id, Application.role, Application.status, Application.motivation,
            Application.availability, Application.start_date, Application.pledge_end_date,
            Application.submitted_at, Application.decided_at, Application.decision_message)
            .where(Application.user_id == uid), Application.submitted_at.desc()),
        "commitments": rows("commitments", select(
            Commitment.id, Commitment.role, Commitment.status, Commitment.start_date,
            Commitment.end_date, Commitment.min_months, Commitment.activated_at,
            Commitment.completed_on, Commitment.ended_on, Commitment.end_reason,
            Commitment.end_note).where(Commitment.user_id == uid),
            Commitment.start_date.desc(), Commitment.id.desc()),
        "training": _training(uid, rows),
        "buddy_requests": rows("buddy_requests", select(
            BuddyRequest.id, BuddyRequest.role, BuddyRequest.status,
            BuddyRequest.target_language, BuddyRequest.needs, BuddyRequest.note,
            BuddyRequest.availability, BuddyRequest.preferred_contact,
            BuddyRequest.created_at, BuddyRequest.matched_at, BuddyRequest.closed_at)
            .where(BuddyRequest.user_id == uid), BuddyRequest.created_at.desc()),
        "matches": _matches(user, rows),
        "hours": rows("hours", select(
            HourEntry.id, HourEntry.day, HourEntry.minutes, HourEntry.activity,
            HourEntry.status, HourEntry.note, HourEntry.created_at, HourEntry.decided_at,
            HourEntry.decision_reason, HourEntry.confirmed_by_newcomer_at,
            HourEntry.reversal_of_id).where(HourEntry.user_id == uid),
            HourEntry.day.desc(), HourEntry.id.desc()),
        "passes": [{**r, "perk": _perk_title(r.pop("titles"))} for r in rows("passes", select(
            Perk.titles, Pass.status, Pass.issued_at, Pass.expires_on, Pass.redeemed_at,
            Pass.revoked_at, Pass.revoked_reason).select_from(Pass).join(Perk)
            .where(Pass.user_id == uid), Pass.issued_at.desc())],
        "awards": _awards(uid, rows),
        "partner_venue": next(iter(rows("partner_venue", select(
            Partner.name).join(PartnerStaff).where(PartnerStaff.user_id == uid))), None),
        "emails": rows("emails", select(SentEmail.template, SentEmail.subject,
                                        SentEmail.sent_at).where(SentEmail.recipient_id == uid),
                       SentEmail.sent_at.desc(), SentEmail.id.desc()),
        "messages": [
            {"sent_at": row["sent_at"], "emailed": row["emailed"],
             "subject": Message(texts=row["texts"], default_locale=row["default_locale"])
             .text_for(row["locale"])[1]}
            for row in rows("messages", select(
                Message.sent_at, Message.texts, Message.default_locale, MessageRecipient.locale,
                MessageRecipient.emailed).join(MessageRecipient.message).where(
                MessageRecipient.user_id == uid), Message.sent_at.desc())],
        "invitations": rows("invitations", select(
            Invitation.created_at, Invitation.expires_at, Invitation.used_at).where(
            Invitation.user_id == uid), Invitation.created_at.desc()),
        "checkins": _checkins(uid, rows),
        "reminders": rows("reminders", select(SentReminder.key, SentReminder.sent_at).where(
            SentReminder.recipient_id == uid), SentReminder.sent_at.desc()),
        "audit": {
            "about_me": rows("audit.about_me", select(
                AuditEvent.at, AuditEvent.action, AuditEvent.record_type, case(
                    (and_(AuditEvent.record_type.in_(SHARED_NOTES), or_(
                        AuditEvent.actor_id.is_(None), AuditEvent.actor_id != uid)), null()),
                    else_=AuditEvent.message).label("message")).where(about(uid)),
                AuditEvent.at.desc(), AuditEvent.id.desc()),
            "by_me": rows("audit.by_me", select(
                AuditEvent.at, AuditEvent.action, AuditEvent.record_type,
                AuditEvent.record_id, AuditEvent.message).where(AuditEvent.actor_id == uid),
                AuditEvent.at.desc(), AuditEvent.id.desc()),
        },
    }
    return data, cut


def _training(uid, rows):
    return {
        "enrolments": rows("training.enrolments", select(
            TrainingModule.title.label("module"), TrainingSession.starts_at,
            Enrollment.status).select_from(Enrollment).join(TrainingSession)
            .join(TrainingModule).where(Enrollment.user_id == uid),
            TrainingSession.starts_at.desc()),
        "module_completions": rows("training.module_completions", select(
            TrainingModule.title.label("module"), ModuleCompletion.completed_on,
            ModuleCompletion.via).join(TrainingModule).where(ModuleCompletion.user_id == uid),
            ModuleCompletion.completed_on.desc()),
        "quiz_attempts": rows("training.quiz_attempts", select(
            TrainingModule.title.label("module"), QuizAttempt.score, QuizAttempt.passed,
            QuizAttempt.created_at).join(TrainingModule).where(QuizAttempt.user_id == uid),
            QuizAttempt.created_at.desc()),
        "certificates": rows("training.certificates", select(
            Certificate.role, Certificate.holder_name, Certificate.issued_on,
            Certificate.revoked_at, Certificate.revoked_reason)
            .where(Certificate.user_id == uid), Certificate.issued_on.desc()),
        "calendar_feed": bool(rows("training.calendar_feed", select(CalendarFeed.id).where(
            CalendarFeed.user_id == uid))),
    }


VALUE_LABELS = {SCALE: SCALE_LABELS, WORK: WORK_LABELS, YESNO: YESNO_LABELS}


def _checkins(uid, rows):
    """The person's check-ins with their answers, the flags their answers raised, and the
    question wordings they wrote. A fixed number of queries."""
    checkins = rows("checkins.checkins", select(
        Checkin.id, Checkin.match_id, Checkin.audience, Checkin.moment, Checkin.opens_on,
        Checkin.due_on, Checkin.status, Checkin.answered_at, Checkin.on_behalf)
        .where(Checkin.person_id == uid), Checkin.opens_on.desc(), Checkin.id.desc())
    answers = {}
    for row in db.session.execute(select(
            CheckinAnswer.checkin_id, CheckinQuestion.key, CheckinQuestion.kind,
            CheckinQuestionVersion.version, CheckinQuestionVersion.texts, CheckinAnswer.value,
            CheckinAnswer.text, CheckinAnswer.skipped)
            .join(CheckinQuestion, CheckinQuestion.id == CheckinAnswer.question_id)
            .join(CheckinQuestionVersion,
                  CheckinQuestionVersion.id == CheckinAnswer.question_version_id)
            .where(CheckinAnswer.checkin_id.in_([c["id"] for c in checkins]))
            .order_by(CheckinQuestion.position, CheckinQuestion.id)):
        label = VALUE_LABELS.get(row.kind, {}).get(row.value)
        answers.setdefault(row.checkin_id, []).append({
            "question": row.key, "question_version": row.version,
            "wording": in_reader_language(row.texts)[1], "skipped": row.skipped,
            "value": row.value, "answer": str(label) if label is not None else row.text})
    for checkin in checkins:
        checkin["answers"] = answers.get(checkin["id"], [])
    return {
        "checkins": checkins,
        "flags": rows("checkins.flags", select(
            MatchFlag.match_id, MatchFlag.reason, Checkin.moment, MatchFlag.raised_at,
            MatchFlag.resolved_at).join(Checkin, Checkin.id == MatchFlag.checkin_id)
            .where(Checkin.person_id == uid), MatchFlag.raised_at.desc(), MatchFlag.id.desc()),
        "question_versions": rows("checkins.question_versions", select(
            CheckinQuestion.key, CheckinQuestionVersion.version, CheckinQuestionVersion.texts,
            CheckinQuestionVersion.created_at).select_from(CheckinQuestionVersion)
            .join(CheckinQuestion).where(
            CheckinQuestionVersion.created_by_id == uid),
            CheckinQuestionVersion.created_at.desc(), CheckinQuestionVersion.id.desc()),
    }


def _matches(user, rows):
    """Both sides of the person's matches. Of the other person: the first name only, and
    not their words (their decline note) nor the coordinator's note on how the match ended,
    which is about both people and is never shown to either."""
    other = db.aliased(User)
    found = rows("matches", select(
        Match.id, Match.volunteer_id, BuddyRequest.role, Match.status, other.name.label("other"),
        Match.created_at, Match.activated_at, Match.ended_at, Match.end_reason,
        Match.declined_by, Match.decline_reason, Match.decline_note)
        .join(BuddyRequest, BuddyRequest.id == Match.request_id)
        .join(other, other.id == func.coalesce(
            func.nullif(Match.volunteer_id, user.id), Match.newcomer_id))
        .where(or_(Match.volunteer_id == user.id, Match.newcomer_id == user.id)),
        Match.created_at.desc(), Match.id.desc())
    for match in found:
        match["side"] = "volunteer" if match.pop("volunteer_id") == user.id else "newcomer"
        _first_name_only(match, "other", "other_person")
        if match["declined_by"] != match["side"]:  # the other person's words stay theirs
            match["decline_note"] = None
    return found


def _awards(uid, rows):
    cycle = AwardCycle.year.label("year")
    category = AwardCategory.code.label("category")
    nominee = db.aliased(User)

    def by_category(name, *columns, where, order):
        return rows(name, select(cycle, category, *columns).select_from(AwardCategory)
                    .join(AwardCycle).where(where), order)

    return {
        "nominations_given": [_first_name_only(r, "nominee") for r in rows(
            "awards.nominations_given", select(
            cycle, category, nominee.name.label("nominee"), Nomination.citation,
            Nomination.public_citation, Nomination.created_at).select_from(Nomination)
            .join(AwardCategory).join(AwardCycle).join(nominee, nominee.id == Nomination.nominee_id)
            .where(Nomination.nominator_id == uid), Nomination.created_at.desc())],
        "nominations_received": rows("awards.nominations_received", select(
            cycle, category, Nomination.public_citation, Nomination.created_at)
            .select_from(Nomination).join(AwardCategory).join(AwardCycle)
            .where(Nomination.nominee_id == uid), Nomination.created_at.desc()),
        "shortlisted": by_category("awards.shortlisted", where=AwardCategory.id.in_(select(
            Shortlisted.category_id).where(Shortlisted.nominee_id == uid)), order=cycle.desc()),
        "won": by_category("awards.won", where=or_(
            AwardCategory.winner_id == uid, AwardCategory.tie_break_winner_id == uid),
            order=cycle.desc()),
        "votes_given": [_first_name_only(r, "nominee") for r in rows(
            "awards.votes_given", select(
            cycle, category, nominee.name.label("nominee"), Vote.score, Vote.comment)
            .select_from(Vote).join(AwardCategory).join(AwardCycle)
            .join(nominee, nominee.id == Vote.nominee_id).where(Vote.juror_id == uid),
            Vote.created_at.desc())],
        "juries": rows("awards.juries", select(cycle, (AwardCycle.chair_id == uid).label(
            "chair")).where(or_(AwardCycle.id.in_(select(Juror.cycle_id).where(
                Juror.user_id == uid)), AwardCycle.chair_id == uid)), cycle.desc()),
        "declined": rows("awards.declined", select(cycle, Decline.created_at)
                         .select_from(AwardCycle).join(Decline).where(Decline.user_id == uid),
                         cycle.desc()),
        "public_consents": rows("awards.public_consents", select(
            cycle, PublicConsent.created_at).select_from(AwardCycle).join(PublicConsent)
            .where(PublicConsent.user_id == uid), cycle.desc()),
    }


def _first_name_only(row, key, prefix=None):
    """Replace another person's full name in ``row`` with their first name."""
    words = (row.pop(key) or "").split()
    row[f"{prefix or key}_first_name"] = words[0] if words else ""
    return row


def _perk_title(titles):
    return in_reader_language(titles)[1]


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    return value
