"""Sessions of a module: planning them, seats, the waiting list, attendance."""

from urllib.parse import urlsplit

from sqlalchemy import func, select

from ...accounts.models import User
from ...audit.services import record
from ...database import locked_one, utcnow
from ...dates import local_to_utc, utc_to_local
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...mail import send_email
from ..models import (
    ATTENDANCE_MARKS,
    ATTENDED,
    CANCELLED,
    ENROLLED,
    MARKABLE_ENROLLMENT_STATES,
    WAITLISTED,
    Enrollment,
    TrainingSession,
)
from . import TrainingError, may_train
from .certification import complete_module


def save_session(actor, session, module, *, starts_local, ends_local, place, video_link,
                 capacity):
    """Plan a session (times typed in the programme's zone) or change one; a bigger
    capacity seats people from the waiting list."""
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
    """Seats held: enrolled, and once it is held, those marked attended or not come."""
    return db.session.scalar(
        select(func.count()).select_from(Enrollment)
        .where(Enrollment.session_id == session_id,
               Enrollment.status.in_(MARKABLE_ENROLLMENT_STATES)))


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
    if enrollment is not None and enrollment.is_live:
        return enrollment
    if enrollment is not None and enrollment.status != CANCELLED:
        raise TrainingError(_l("You already took part in this session."))
    status = WAITLISTED if session.is_full(seats_taken(session.id)) else ENROLLED
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
    if not enrollment.is_live:
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
    if not marks:
        raise TrainingError(_l("Please choose attended or did not come."))
    session = locked_one(TrainingSession, session_id)
    if session is None:
        raise TrainingError(_l("This session does not exist."))
    if not session.attendance_open(utcnow()):
        raise TrainingError(_l("Attendance can be marked once the session has started."))
    enrollments = {e.id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.session_id == session.id))}
    changed = []
    for enrollment_id, status in marks.items():
        enrollment = enrollments.get(enrollment_id)
        if enrollment is None or status not in ATTENDANCE_MARKS:
            raise TrainingError(_l("Unknown enrolment or mark."))
        if not enrollment.is_markable:
            raise TrainingError(_l("Only people holding a seat can be marked."))
        if enrollment.is_attended and status != ATTENDED:
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
        if enrollment.is_attended:
            complete_module(db.session.get(User, enrollment.user_id), session.module, day,
                            "session")
    return changed


def session_roster(session_id):
    """Everyone enrolled in a session, seats first, then the waiting list in its order."""
    return db.session.scalars(
        select(Enrollment).options(db.joinedload(Enrollment.user))
        .where(Enrollment.session_id == session_id)
        .order_by(Enrollment.status != ENROLLED, Enrollment.queued_at, Enrollment.id)).all()


PAST_SESSIONS_PER_PAGE = 25


def past_sessions_page(module_id, page=1, now=None, per_page=PAST_SESSIONS_PER_PAGE):
    """Past sessions of a module, newest first, one page of them; each item is
    ``(session, seats taken, attended)``."""
    result = db.paginate(
        select(TrainingSession).where(TrainingSession.module_id == module_id,
                                      TrainingSession.starts_at <= (now or utcnow()))
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc()),
        page=page, per_page=per_page, error_out=False)
    counts = {}
    if result.items:
        counts = {session_id: (taken, came) for session_id, taken, came in db.session.execute(
            select(Enrollment.session_id,
                   func.count().filter(Enrollment.status.in_(MARKABLE_ENROLLMENT_STATES)),
                   func.count().filter(Enrollment.status == ATTENDED))
            .where(Enrollment.session_id.in_([s.id for s in result.items]))
            .group_by(Enrollment.session_id)).all()}
    result.items = [(session, *counts.get(session.id, (0, 0))) for session in result.items]
    return result
