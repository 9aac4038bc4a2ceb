"""What the training pages show: a volunteer's plan (each module once, for every role it
counts for), the coordinator's overview.
Each is a fixed number of queries, however many modules and sessions there are."""

from collections import defaultdict
from functools import cache, partial
from types import SimpleNamespace

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from ...accounts.models import User
from ...database import utcnow
from ...extensions import db
from ...reports.cache import remembered
from ...volunteering.models import ACTIVE, AWAITING_TRAINING, Commitment
from ..models import (
    ATTENDANCE_MARKS,
    ATTENDED,
    ENROLLED,
    LIVE_ENROLLMENT_STATES,
    MARKABLE_ENROLLMENT_STATES,
    OPTIONAL,
    REQUIRED,
    Certificate,
    Enrollment,
    ModuleCompletion,
    ModuleRole,
    TrainingModule,
    TrainingSession,
)
from . import TRAINED_COMMITMENT_STATES
from .content import all_modules

# Commitments whose holder must still do the role's required modules.
TRAINING_DUE_STATES = (AWAITING_TRAINING, ACTIVE)


@cache
def _plan_statements():
    """The statements of ``progress_for``, built once (the person, roles, modules and
    moment are bound parameters): building and keying them again for each page view
    cost more than running them."""
    mine = aliased(Enrollment, name="mine")
    roles = bindparam("roles", expanding=True)
    return SimpleNamespace(
        commitments=select(Commitment.role, Commitment.status).where(
            Commitment.user_id == bindparam("user_id"),
            Commitment.status.in_(TRAINED_COMMITMENT_STATES))
        .order_by(Commitment.start_date, Commitment.id),
        modules=select(TrainingModule, ModuleCompletion)
        .outerjoin(ModuleCompletion, (ModuleCompletion.module_id == TrainingModule.id)
                   & (ModuleCompletion.user_id == bindparam("user_id")))
        .options(db.joinedload(TrainingModule.roles))
        .where(TrainingModule.id.in_(
            select(ModuleRole.module_id).where(ModuleRole.role.in_(roles))))
        .order_by(TrainingModule.position, TrainingModule.id),
        upcoming=select(TrainingSession, func.count(Enrollment.id).filter(
            Enrollment.status == ENROLLED), mine)
        .outerjoin(Enrollment, Enrollment.session_id == TrainingSession.id)
        .outerjoin(mine, (mine.session_id == TrainingSession.id)
                   & (mine.user_id == bindparam("user_id"))
                   & mine.status.in_(LIVE_ENROLLMENT_STATES))
        .where(TrainingSession.module_id.in_(bindparam("module_ids", expanding=True)),
               TrainingSession.starts_at > bindparam("now"))
        .group_by(TrainingSession.id, mine.id).order_by(TrainingSession.starts_at),
        # Oldest first, so each role keeps its latest certificate (a revoked one, or the
        # new one issued after training again).
        certificates=select(Certificate).where(Certificate.user_id == bindparam("user_id"))
        .order_by(Certificate.issued_on, Certificate.id),
    )


def progress_for(user, now=None):
    """The volunteer's training: where each role stands, and each module once.

    A person may hold commitments in several roles (mentor and language buddy, say), and
    a module may count for more than one of them; it is done once and counts for every
    role (``certification.check_training``), so it is listed once, with the roles it
    counts for, and its sessions once (one seat, one Enrol button).

    Returns ``{"roles": [...], "items": [...]}``; both are empty for someone who may not
    train yet.
    """
    now = now or utcnow()
    statements, user_id = _plan_statements(), user.id
    commitments = db.session.execute(statements.commitments, {"user_id": user_id}).all()
    roles = list(dict.fromkeys(role for role, _status in commitments))
    # Each module with the links to its roles and this person's completion, and each
    # upcoming session with its seats taken and this person's place in it: a plan costs
    # the same few queries however long the person's history.
    completed, modules = {}, []
    for module, completion in db.session.execute(
            statements.modules, {"user_id": user_id, "roles": roles}).unique().all():
        modules.append(module)
        if completion is not None:
            completed[module.id] = completion
    upcoming = defaultdict(list)
    if modules:
        for session, taken, enrollment in db.session.execute(statements.upcoming, {
                "user_id": user_id, "module_ids": [m.id for m in modules], "now": now}).all():
            upcoming[session.module_id].append((session, taken, enrollment))
    certificates = {c.role: c for c in db.session.scalars(
        statements.certificates, {"user_id": user_id})}
    items = []
    for module in modules:
        required_for = [r for r in roles if module.requirement_for(r) == REQUIRED]
        optional_for = [r for r in roles if module.requirement_for(r) == OPTIONAL]
        items.append({"module": module, "required": bool(required_for),
                      "required_for": required_for, "optional_for": optional_for,
                      "completion": completed.get(module.id),
                      "sessions": upcoming.get(module.id, [])})
    items.sort(key=lambda item: not item["required"])
    plan_roles = []
    for role in roles:
        required = [item for item in items if role in item["required_for"]]
        plan_roles.append({
            "role": role, "certificate": certificates.get(role),
            "status": next(status for held, status in commitments if held == role),
            "required": len(required),
            "done": sum(1 for item in required if item["completion"]),
        })
    return {"roles": plan_roles, "items": items}


def module_progress(user, module_id, now=None):
    """The volunteer's item for one module (its sessions, its completion), or None."""
    plan = progress_for(user, now)
    return next((item for item in plan["items"] if item["module"].id == module_id), None)


def module_overview(now=None):
    """Per module: upcoming sessions with fill rate, attendance rate of past sessions,
    and how many volunteers still miss it where it is required (``missing_page`` lists
    them)."""
    now = now or utcnow()
    modules = all_modules()
    upcoming = defaultdict(list)
    for session, seats in db.session.execute(
        select(TrainingSession, func.count(Enrollment.id))
        .outerjoin(Enrollment, (Enrollment.session_id == TrainingSession.id)
                   & Enrollment.status.in_(MARKABLE_ENROLLMENT_STATES))
        .where(TrainingSession.starts_at > now)
        .group_by(TrainingSession.id).order_by(TrainingSession.starts_at)).all():
        upcoming[session.module_id].append((session, seats))
    attendance, missing = history_figures(now)
    result = []
    for module in modules:
        came, missed = attendance.get(module.id, (0, 0))
        rate = round(100 * came / (came + missed)) if came + missed else None
        result.append({"module": module, "upcoming": upcoming[module.id],
                       "attendance_rate": rate, "missing": missing.get(module.id, 0)})
    return result


def history_figures(now):
    """``(attendance, missing)``: per module id, ``(attended, no-shows)`` at past sessions
    and how many volunteers still need it. Counts over the whole history, the same for
    every coordinator (only coordinators see them, nothing depends on who asks): kept in
    memory (``reports.cache.remembered``) until the next write or for a minute. Marks are
    only given once a session has started, so a session that starts meanwhile changes
    nothing until it is marked (a write)."""
    return remembered(("training-history-figures",), partial(_count_history, now))


def _count_history(now):
    attendance = defaultdict(lambda: [0, 0])
    for module_id, status, count in db.session.execute(
        select(TrainingSession.module_id, Enrollment.status, func.count())
        .join(Enrollment, Enrollment.session_id == TrainingSession.id)
        .where(TrainingSession.starts_at <= now, Enrollment.status.in_(ATTENDANCE_MARKS))
        .group_by(TrainingSession.module_id, Enrollment.status)).all():
        attendance[module_id][0 if status == ATTENDED else 1] += count
    missing = dict(db.session.execute(
        select(ModuleRole.module_id, func.count(Commitment.user_id.distinct()))
        .join(Commitment, Commitment.role == ModuleRole.role)
        .outerjoin(ModuleCompletion, (ModuleCompletion.module_id == ModuleRole.module_id)
                   & (ModuleCompletion.user_id == Commitment.user_id))
        .where(ModuleRole.required.is_(True), ModuleCompletion.id.is_(None),
               Commitment.status.in_(TRAINING_DUE_STATES))
        .group_by(ModuleRole.module_id)).all())
    return {key: tuple(value) for key, value in attendance.items()}, missing


MISSING_PER_PAGE = 50


def missing_page(module_id, page=1, per_page=MISSING_PER_PAGE):
    """The volunteers who still need ``module_id`` (required for one of their roles,
    waiting for training or active, not completed), by name, one page of them. Each
    item is ``(user, roles)``: the roles the module is required for."""
    needing = (
        select(Commitment.user_id)
        .join(ModuleRole, ModuleRole.role == Commitment.role)
        .where(ModuleRole.module_id == module_id, ModuleRole.required.is_(True),
               Commitment.status.in_(TRAINING_DUE_STATES)))
    done = select(ModuleCompletion.user_id).where(ModuleCompletion.module_id == module_id)
    result = db.paginate(
        select(User).where(User.id.in_(needing), User.id.not_in(done))
        .order_by(User.name, User.id), page=page, per_page=per_page, error_out=False)
    roles = defaultdict(list)
    if result.items:
        for user_id, role in db.session.execute(
                needing.add_columns(Commitment.role)
                .where(Commitment.user_id.in_([u.id for u in result.items]))
                .order_by(Commitment.role)).all():
            roles[user_id].append(role)
    result.items = [(user, roles[user.id]) for user in result.items]
    return result
