"""Completing modules, and what follows: the commitment starts, the certificate is issued."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...audit.services import record
from ...database import locked_one, utcnow
from ...dates import programme_today
from ...extensions import db
from ...mail import send_email
from ...programme.services import get_settings
from ...volunteering.models import AWAITING_TRAINING, Commitment
from ...volunteering.services import activate
from ..models import Certificate, ModuleCompletion, new_code
from . import TRAINED_COMMITMENT_STATES, TrainingError
from .content import required_modules_by_role


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


def train_on_approval(commitment, **_extra):
    """Receiver of ``signals.commitment_approved``: a role with no required module, or
    one whose modules the person already completed, starts at once."""
    check_training(commitment.user)


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
    """Revoke a certificate, with the reason (kept inside the programme)."""
    reason = (reason or "").strip()
    if not reason:
        raise TrainingError(_l("Please give the reason."), "reason")
    certificate = locked_one(Certificate, certificate_id)
    if certificate is None:
        raise TrainingError(_l("This certificate does not exist."))
    if not certificate.is_valid:
        raise TrainingError(_l("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id
    record(actor, "certificate.revoked", certificate, reason)
    return certificate


def certificates_page(page=1, per_page=25):
    query = select(Certificate).order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
