"""Training: modules, sessions and their waiting lists, attendance, quizzes,
activation of commitments and certificates."""

from collections import defaultdict
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import markdown
import nh3
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from markupsafe import Markup
from sqlalchemy import func, select

from ..accounts.models import User
from ..audit.services import record
from ..database import locked_one, utcnow
from ..dates import local_to_utc, programme_today, utc_to_local
from ..extensions import db
from ..mail import send_email
from ..programme.services import get_settings
from ..volunteering.models import ACTIVE, AWAITING_TRAINING, COMPLETED, Commitment
from ..volunteering.services import activate
from .models import (
    ATTENDED,
    CANCELLED,
    ENROLLED,
    LIVE_ENROLLMENT_STATES,
    NO_SHOW,
    WAITLISTED,
    CalendarFeed,
    Certificate,
    Enrollment,
    ModuleCompletion,
    ModuleRole,
    QuizAttempt,
    TrainingModule,
    TrainingSession,
    new_code,
)

TRAINED_COMMITMENT_STATES = (AWAITING_TRAINING, ACTIVE, COMPLETED)


class TrainingError(Exception):
    """A refused change, with a message for the person who tried it."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


# Content -----------------------------------------------------------------------------


def render_markdown(text):
    """Markdown to HTML that is safe to show: no script, no event handler, no style;
    links get rel="noopener noreferrer"."""
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"])
    clean = nh3.clean(html, link_rel="noopener noreferrer", url_schemes={"http", "https", "mailto"})
    return Markup(clean)  # noqa: S704  (sanitised by nh3 on the line above)


def parse_quiz(source):
    """Read a quiz written as plain lines.

    ``? question``, then one option per line: ``* right answer`` or ``- wrong answer``.
    Returns (questions, error); each question needs two options or more and exactly
    one right answer.
    """
    questions = []
    for number, raw in enumerate((source or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        marker, text = line[:1], line[1:].strip()
        if marker == "?" and text:
            questions.append({"question": text, "options": []})
        elif marker in "*-" and text and questions:
            questions[-1]["options"].append({"text": text, "correct": marker == "*"})
        else:
            return [], _l("Line %(number)d: start it with ? for a question, * for the right "
                          "answer or - for a wrong answer.", number=number)
    for index, question in enumerate(questions, start=1):
        rights = sum(option["correct"] for option in question["options"])
        if len(question["options"]) < 2 or rights != 1:
            return [], _l("Question %(number)d needs at least two answers, exactly one of "
                          "them marked with *.", number=index)
    return questions, None


def save_module(actor, module, *, title, summary, content, kind, duration_minutes,
                quiz_source, pass_mark, requirements):
    """Create or update a module; ``requirements`` maps role code to 'required',
    'optional' or '' (not for this role)."""
    questions, error = parse_quiz(quiz_source)
    if error:
        raise TrainingError(error, "quiz_source")
    if kind == "online" and not questions:
        raise TrainingError(_l("An online module needs a quiz."), "quiz_source")
    creating = module is None
    module = module or TrainingModule()
    module.title, module.summary, module.content = title.strip(), summary.strip(), content
    module.kind, module.duration_minutes, module.pass_mark = kind, duration_minutes, pass_mark
    module.quiz, module.quiz_source = questions, quiz_source or ""
    wanted = {role: level for role, level in requirements.items() if level}
    for link in list(module.roles):
        if link.role not in wanted:
            module.roles.remove(link)
        else:
            link.required = wanted.pop(link.role) == "required"
    for role, level in wanted.items():
        module.roles.append(ModuleRole(role=role, required=level == "required"))
    db.session.add(module)
    db.session.flush()
    record(actor, "module.created" if creating else "module.updated", module)
    return module


def all_modules():
    return db.session.scalars(
        select(TrainingModule).order_by(TrainingModule.position, TrainingModule.id)).all()


def required_modules_by_role():
    rows = db.session.execute(
        select(ModuleRole.role, ModuleRole.module_id).where(ModuleRole.required.is_(True))
    ).all()
    by_role = defaultdict(set)
    for role, module_id in rows:
        by_role[role].add(module_id)
    return by_role


# Sessions and waiting lists ----------------------------------------------------------


def save_session(actor, session, module, *, starts_local, ends_local, place, video_link,
                 capacity):
    if ends_local <= starts_local:
        raise TrainingError(_l("The end must be after the start."), "ends_at")
    if not (place or "").strip() and not (video_link or "").strip():
        raise TrainingError(_l("Please give a place or a video link."), "place")
    if video_link and urlsplit(video_link.strip()).scheme not in ("http", "https"):
        raise TrainingError(_l("Please enter a full link starting with https://."),
                            "video_link")
    starts_at, ends_at = local_to_utc(starts_local), local_to_utc(ends_local)
    creating = session is None
    if creating:
        session = TrainingSession(module_id=module.id)
    else:
        session.sequence += 1
        if capacity < seats_taken(session.id):
            raise TrainingError(_l("More people are already enrolled than this capacity."),
                                "capacity")
    session.starts_at, session.ends_at = starts_at, ends_at
    session.place = (place or "").strip() or None
    session.video_link = (video_link or "").strip() or None
    session.capacity = capacity
    db.session.add(session)
    db.session.flush()
    record(actor, "session.created" if creating else "session.updated", session)
    if not creating:
        promote_waiting(session)
    return session


def seats_taken(session_id):
    return db.session.scalar(
        select(func.count()).select_from(Enrollment)
        .where(Enrollment.session_id == session_id, Enrollment.status == ENROLLED))


def may_train(user):
    """Volunteers with an approved commitment (waiting for training, active or served)."""
    return bool(db.session.scalar(
        select(func.count()).select_from(Commitment)
        .where(Commitment.user_id == user.id, Commitment.status.in_(TRAINED_COMMITMENT_STATES))))


def enrol(user, session_id, now=None):
    """Take a seat, or a place on the waiting list when the session is full."""
    session = locked_one(TrainingSession, session_id)
    if session is None:
        raise TrainingError(_l("This session does not exist."))
    if session.starts_at <= (now or utcnow()):
        raise TrainingError(_l("This session has already started."))
    if not may_train(user):
        raise TrainingError(_l("Training opens once your application is approved."))
    enrollment = db.session.scalar(select(Enrollment).where(
        Enrollment.session_id == session.id, Enrollment.user_id == user.id))
    if enrollment is not None and enrollment.status in LIVE_ENROLLMENT_STATES:
        return enrollment
    if enrollment is not None and enrollment.status != CANCELLED:
        raise TrainingError(_l("You already took part in this session."))
    status = ENROLLED if seats_taken(session.id) < session.capacity else WAITLISTED
    if enrollment is None:
        enrollment = Enrollment(session=session, user_id=user.id)
        db.session.add(enrollment)
    enrollment.status, enrollment.queued_at = status, utcnow()
    db.session.flush()
    return enrollment


def cancel(user, enrollment_id):
    """Give up a seat (or a waiting place); the first person waiting takes the seat."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.user_id != user.id:
        raise TrainingError(_l("This enrolment does not exist."))
    session = locked_one(TrainingSession, enrollment.session_id)
    db.session.refresh(enrollment)
    if session.starts_at <= utcnow():
        raise TrainingError(_l("This session has already started."))
    if enrollment.status not in LIVE_ENROLLMENT_STATES:
        raise TrainingError(_l("This enrolment is no longer active."))
    enrollment.status = CANCELLED
    db.session.flush()
    promoted = promote_waiting(session)
    return enrollment, promoted


def promote_waiting(session):
    """Fill free seats from the waiting list, oldest first, and tell those promoted."""
    promoted = []
    free = session.capacity - seats_taken(session.id)
    if free <= 0 or session.starts_at <= utcnow():
        return promoted
    waiting = db.session.scalars(
        select(Enrollment).where(Enrollment.session_id == session.id,
                                 Enrollment.status == WAITLISTED)
        .order_by(Enrollment.queued_at, Enrollment.id).limit(free)
    ).all()
    for enrollment in waiting:
        enrollment.status = ENROLLED
        promoted.append(enrollment)
        person = db.session.get(User, enrollment.user_id)
        send_email(person.email, _l("A seat is free: you are enrolled"), "seat_promoted",
                   locale=person.locale, user=person, session=session)
    db.session.flush()
    return promoted


def mark_attendance(actor, session_id, marks, today=None):
    """Record attended / no-show for enrolments of a session (``marks``: id → status).

    Attending completes the module for that volunteer.
    """
    session = locked_one(TrainingSession, session_id)
    if session is None:
        raise TrainingError(_l("This session does not exist."))
    if session.starts_at > utcnow():
        raise TrainingError(_l("Attendance can be marked once the session has started."))
    enrollments = {e.id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.session_id == session.id))}
    changed = []
    for enrollment_id, status in marks.items():
        enrollment = enrollments.get(enrollment_id)
        if enrollment is None or status not in (ATTENDED, NO_SHOW):
            raise TrainingError(_l("Unknown enrolment or mark."))
        if enrollment.status in (CANCELLED, WAITLISTED):
            raise TrainingError(_l("Only people holding a seat can be marked."))
        if enrollment.status == ATTENDED and status != ATTENDED:
            # Attending completed the module (and maybe issued a certificate): a mistake
            # here is corrected by an administrator, not by a click.
            raise TrainingError(_l("Attendance is already confirmed for %(name)s.",
                                   name=enrollment.user.name))
        if enrollment.status != status:
            enrollment.status = status
            changed.append(enrollment)
            record(actor, f"attendance.{status}", enrollment, session_id=session.id)
    db.session.flush()
    day = today or utc_to_local(session.starts_at).date()
    for enrollment in changed:
        if enrollment.status == ATTENDED:
            complete_module(db.session.get(User, enrollment.user_id), session.module, day,
                            "session")
    return changed


# Quizzes -----------------------------------------------------------------------------


def score_quiz(module, answers):
    """Percentage of questions answered right; ``answers`` maps question index to option index."""
    if not module.quiz:
        return 0
    right = 0
    for index, question in enumerate(module.quiz):
        chosen = answers.get(index)
        options = question["options"]
        if chosen is not None and 0 <= chosen < len(options) and options[chosen]["correct"]:
            right += 1
    return round(100 * right / len(module.quiz))


def submit_quiz(user, module, answers, today=None):
    """Score an attempt (retries are allowed); passing completes the module."""
    if not module.has_quiz:
        raise TrainingError(_l("This module has no quiz."))
    if not may_train(user):
        raise TrainingError(_l("Training opens once your application is approved."))
    score = score_quiz(module, answers)
    attempt = QuizAttempt(user_id=user.id, module_id=module.id, score=score,
                          passed=score >= module.pass_mark)
    db.session.add(attempt)
    db.session.flush()
    if attempt.passed:
        complete_module(user, module, today or programme_today(), "quiz")
    return attempt


# Completion, activation, certificates ------------------------------------------------


def complete_module(user, module, day, via):
    """Record that ``user`` completed ``module`` (once), then check their training."""
    done = db.session.scalar(select(ModuleCompletion).where(
        ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == module.id))
    if done is None:
        db.session.add(ModuleCompletion(user_id=user.id, module_id=module.id,
                                        completed_on=day, via=via))
        db.session.flush()
    return check_training(user)


def check_training(user):
    """Activate commitments whose required modules are all complete, and issue each
    role's certificate once. Returns the certificates issued now."""
    commitments = db.session.scalars(select(Commitment).where(
        Commitment.user_id == user.id, Commitment.status.in_(TRAINED_COMMITMENT_STATES))).all()
    if not commitments:
        return []
    completed = {c.module_id: c for c in db.session.scalars(
        select(ModuleCompletion).options(db.joinedload(ModuleCompletion.module))
        .where(ModuleCompletion.user_id == user.id))}
    required = required_modules_by_role()
    issued = []
    for role in sorted({c.role for c in commitments}):
        if not required[role] <= completed.keys():
            continue
        for commitment in commitments:
            if commitment.role == role and commitment.status == AWAITING_TRAINING:
                activate(commitment)
                record(None, "commitment.activated_by_training", commitment)
        if required[role]:
            certificate = issue_certificate(user, role, [completed[m] for m in required[role]])
            if certificate is not None:
                issued.append(certificate)
    return issued


def issue_certificate(user, role, completions):
    """Issue the role's certificate unless the person already has one."""
    exists = db.session.scalar(select(Certificate.id).where(
        Certificate.user_id == user.id, Certificate.role == role))
    if exists:
        return None
    completions = sorted(completions, key=lambda c: (c.completed_on, c.module.title))
    certificate = Certificate(
        code=new_code(), user_id=user.id, role=role, holder_name=user.name,
        programme_name=get_settings().name, issued_on=programme_today(),
        modules=[{"title": c.module.title, "completed_on": c.completed_on.isoformat()}
                 for c in completions],
    )
    db.session.add(certificate)
    db.session.flush()
    record(None, "certificate.issued", certificate, role=role, holder_id=user.id)
    send_email(user.email, _l("Your training certificate"), "certificate_issued",
               locale=user.locale, user=user, certificate=certificate)
    return certificate


def revoke_certificate(actor, certificate_id, reason):
    reason = (reason or "").strip()
    if not reason:
        raise TrainingError(_l("Please give the reason."), "reason")
    certificate = locked_one(Certificate, certificate_id)
    if certificate is None:
        raise TrainingError(_l("This certificate does not exist."))
    if certificate.revoked_at is not None:
        raise TrainingError(_l("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id
    record(actor, "certificate.revoked", certificate, reason)
    return certificate


# Calendars ---------------------------------------------------------------------------


def existing_calendar_feed(user):
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def calendar_feed(user):
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=new_code())
        db.session.add(feed)
        db.session.flush()
    return feed


def reset_calendar_feed(user):
    feed = calendar_feed(user)
    feed.token = new_code()
    return feed


def user_for_calendar_token(token):
    return db.session.scalar(
        select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token == token))


def session_uid(session):
    """Stable per session, and different for each installation (its BASE_URL host)."""
    from flask import current_app

    host = urlsplit(current_app.config["BASE_URL"]).hostname or "mentorship"
    return f"training-session-{session.id}@{host}"


def waiting_session_ids(user):
    return set(db.session.scalars(select(Enrollment.session_id).where(
        Enrollment.user_id == user.id, Enrollment.status == WAITLISTED)))


def sessions_for_calendar(user):
    return db.session.scalars(
        select(TrainingSession).options(db.joinedload(TrainingSession.module))
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(Enrollment.user_id == user.id,
               Enrollment.status.in_((ENROLLED, WAITLISTED, ATTENDED)))
        .order_by(TrainingSession.starts_at)).all()


def to_ical(sessions, name, waiting=()):
    """An iCalendar document; each session keeps the same UID in every file and feed.
    Sessions in ``waiting`` (ids) are marked tentative: a place on the waiting list."""
    calendar = Calendar()
    calendar.add("prodid", "-//mentorship//training//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = utcnow().replace(tzinfo=ZoneInfo("UTC"))
    for session in sessions:
        event = Event()
        event.add("uid", session_uid(session))
        event.add("status", "TENTATIVE" if session.id in waiting else "CONFIRMED")
        event.add("dtstamp", stamp)
        event.add("sequence", session.sequence)
        event.add("dtstart", session.starts_at.replace(tzinfo=ZoneInfo("UTC")))
        event.add("dtend", session.ends_at.replace(tzinfo=ZoneInfo("UTC")))
        event.add("summary", session.module.title)
        if session.place:
            event.add("location", session.place)
        if session.video_link:
            event.add("url", session.video_link)
            event.add("description", session.video_link)
        calendar.add_component(event)
    return calendar.to_ical()


# Pages -------------------------------------------------------------------------------


def progress_for(user, now=None):
    """Per role of the volunteer: each module with its status, and the sessions to join."""
    now = now or utcnow()
    commitments = db.session.scalars(select(Commitment).where(
        Commitment.user_id == user.id, Commitment.status.in_(TRAINED_COMMITMENT_STATES))
        .order_by(Commitment.start_date)).all()
    roles = list(dict.fromkeys(c.role for c in commitments))
    modules = db.session.scalars(
        select(TrainingModule).where(TrainingModule.id.in_(
            select(ModuleRole.module_id).where(ModuleRole.role.in_(roles))))
        .order_by(TrainingModule.position, TrainingModule.id)).all()
    completed = {c.module_id: c for c in db.session.scalars(
        select(ModuleCompletion).where(ModuleCompletion.user_id == user.id))}
    enrollments = {e.session_id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id,
                                 Enrollment.status.in_(LIVE_ENROLLMENT_STATES)))}
    upcoming = defaultdict(list)
    if modules:
        for session, taken in db.session.execute(
            select(TrainingSession, func.count(Enrollment.id).filter(
                Enrollment.status == ENROLLED))
            .outerjoin(Enrollment, Enrollment.session_id == TrainingSession.id)
            .where(TrainingSession.module_id.in_([m.id for m in modules]),
                   TrainingSession.starts_at > now)
            .group_by(TrainingSession.id).order_by(TrainingSession.starts_at)
        ).all():
            upcoming[session.module_id].append((session, taken, enrollments.get(session.id)))
    certificates = {c.role: c for c in db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id))}
    plan = []
    for role in roles:
        items = []
        for module in modules:
            requirement = module.requirement_for(role)
            if requirement:
                items.append({"module": module, "requirement": requirement,
                              "completion": completed.get(module.id),
                              "sessions": upcoming.get(module.id, [])})
        items.sort(key=lambda item: item["requirement"] != "required")
        plan.append({"role": role, "items": items, "certificate": certificates.get(role),
                     "status": next(c.status for c in commitments if c.role == role)})
    return plan


def module_overview(now=None):
    """Per module: upcoming sessions with fill rate, attendance rate of past sessions,
    and the volunteers still missing it where it is required. A fixed number of queries."""
    now = now or utcnow()
    modules = all_modules()
    seat_counts = dict(db.session.execute(
        select(Enrollment.session_id, func.count()).where(Enrollment.status == ENROLLED)
        .group_by(Enrollment.session_id)).all())
    upcoming = defaultdict(list)
    for session in db.session.scalars(select(TrainingSession).where(
            TrainingSession.starts_at > now).order_by(TrainingSession.starts_at)):
        upcoming[session.module_id].append((session, seat_counts.get(session.id, 0)))
    attendance = defaultdict(lambda: [0, 0])
    for module_id, status, count in db.session.execute(
        select(TrainingSession.module_id, Enrollment.status, func.count())
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(TrainingSession.starts_at <= now, Enrollment.status.in_((ATTENDED, NO_SHOW)))
        .group_by(TrainingSession.module_id, Enrollment.status)).all():
        attendance[module_id][0 if status == ATTENDED else 1] += count
    missing = defaultdict(list)
    rows = db.session.execute(
        select(ModuleRole.module_id, User)
        .join(Commitment, Commitment.role == ModuleRole.role)
        .join(User, User.id == Commitment.user_id)
        .outerjoin(ModuleCompletion, (ModuleCompletion.module_id == ModuleRole.module_id)
                   & (ModuleCompletion.user_id == User.id))
        .where(ModuleRole.required.is_(True), ModuleCompletion.id.is_(None),
               Commitment.status.in_((AWAITING_TRAINING, ACTIVE)))
        .order_by(User.name).distinct()).all()
    for module_id, user in rows:
        missing[module_id].append(user)
    result = []
    for module in modules:
        came, missed = attendance[module.id]
        rate = round(100 * came / (came + missed)) if came + missed else None
        result.append({"module": module, "upcoming": upcoming[module.id],
                       "attendance_rate": rate, "missing": missing[module.id]})
    return result


def session_roster(session_id):
    return db.session.scalars(
        select(Enrollment).options(db.joinedload(Enrollment.user))
        .where(Enrollment.session_id == session_id)
        .order_by(Enrollment.status != ENROLLED, Enrollment.queued_at, Enrollment.id)).all()


def certificates_page(page=1, per_page=25):
    query = select(Certificate).order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def past_sessions(module_id, now=None, limit=50):
    """Past sessions of a module, newest first, with seats taken and attendance marked."""
    rows = db.session.execute(
        select(TrainingSession,
               func.count(Enrollment.id).filter(Enrollment.status.in_(
                   (ENROLLED, ATTENDED, NO_SHOW))),
               func.count(Enrollment.id).filter(Enrollment.status == ATTENDED))
        .outerjoin(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(TrainingSession.module_id == module_id,
               TrainingSession.starts_at <= (now or utcnow()))
        .group_by(TrainingSession.id).order_by(TrainingSession.starts_at.desc()).limit(limit)
    ).all()
    return rows
