"""Completing modules, and what follows: the commitment starts, the certificate is issued.

A revoked certificate is reissued once the role's training is passed again. Passing
again means: revoking a certificate deletes the holder's completions of the modules the
role requires (the revoked certificate keeps their titles and dates, the audit entry
lists them), so those modules show as to do again; a completion dated before the
revocation day (attendance at an earlier session, marked late) does not count. When every
required module is completed again, ``check_training`` issues a new certificate with a
new code; the revoked one still verifies as revoked.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from ...accounts.models import User
from ...audit.services import record
from ...database import add_once, locked_one, utcnow
from ...dates import programme_today, utc_to_local
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...mail import send_email
from ...programme.services import get_settings
from ...search import fold
from ...volunteering.models import AWAITING_TRAINING, Commitment
from ...volunteering.services import activate
from ..models import Certificate, ModuleCompletion, ModuleRole, new_code
from . import TRAINED_COMMITMENT_STATES, TrainingError
from .content import required_modules_by_role


def complete_module(user, module, day, via):
    """Record that ``user`` completed ``module`` (once), then check their training.

    A completion dated before the revocation of a certificate that requires the module is
    not recorded: after a revocation the module is passed again."""
    done = db.session.scalar(select(ModuleCompletion).where(
        ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == module.id))
    if done is None and not predates_revocation(user, module, day):
        db.session.add(ModuleCompletion(user_id=user.id, module_id=module.id,
                                        completed_on=day, via=via))
        db.session.flush()
    return check_training(user)


def predates_revocation(user, module, day):
    """Whether ``day`` falls before the revocation of one of the person's certificates for
    a role that requires ``module`` (such a completion belongs to the revoked training)."""
    revoked_at = db.session.scalar(select(func.max(Certificate.revoked_at)).where(
        Certificate.user_id == user.id, Certificate.revoked_at.is_not(None),
        Certificate.role.in_(select(ModuleRole.role).where(
            ModuleRole.module_id == module.id, ModuleRole.required.is_(True)))))
    return revoked_at is not None and day < utc_to_local(revoked_at).date()


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
    """Issue the role's certificate unless the person holds a valid one. After a
    revocation this is a new certificate, with a new code."""
    held = select(Certificate.id).where(Certificate.user_id == user.id, Certificate.role == role)
    if db.session.scalar(held.where(Certificate.revoked_at.is_(None))):
        return None
    revoked_id = db.session.scalar(
        held.where(Certificate.revoked_at.is_not(None))
        .order_by(Certificate.revoked_at.desc(), Certificate.id.desc()).limit(1))
    completions = sorted(completions, key=lambda c: (c.completed_on, c.module.title))
    certificate = Certificate(
        code=new_code(), user_id=user.id, role=role, holder_name=user.name,
        programme_name=get_settings().name, issued_on=programme_today(),
        modules=[{"title": c.module.title, "completed_on": c.completed_on.isoformat()}
                 for c in completions],
    )
    if not add_once(certificate):
        return None  # a completion recorded at the same moment issued it
    if revoked_id is None:
        record(None, "certificate.issued", certificate, role=role, holder_id=user.id)
    else:
        record(None, "certificate.reissued", certificate, role=role, holder_id=user.id,
               replaces=revoked_id)
    send_email(user.email, _l("Your training certificate"), "certificate_issued",
               locale=user.locale, user=user, certificate=certificate)
    return certificate


def revoke_certificate(actor, certificate_id, reason):
    """Revoke a certificate, with the reason (kept inside the programme). The holder's
    completions of the role's required modules are reset: a new certificate needs them
    passed again."""
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
    required = required_modules_by_role()[certificate.role]
    reset = db.session.scalars(select(ModuleCompletion).where(
        ModuleCompletion.user_id == certificate.user_id,
        ModuleCompletion.module_id.in_(required)).order_by(ModuleCompletion.module_id)).all()
    for completion in reset:
        db.session.delete(completion)
    db.session.flush()
    record(actor, "certificate.revoked", certificate, reason, reset_modules=[
        {"module_id": c.module_id, "completed_on": c.completed_on.isoformat(), "via": c.via}
        for c in reset])
    return certificate


# The coordinator's list of certificates ----------------------------------------------

VALID, REVOKED = "valid", "revoked"
CERTIFICATES_PER_PAGE = 25


def certificates_page(query=None, role=None, state=None, page=1, per_page=CERTIFICATES_PER_PAGE):
    """Certificates, newest first: of holders whose name, email or phone holds every word
    of ``query`` (accents and case aside), of ``role``, ``VALID`` or ``REVOKED``.

    Only the columns the list shows are loaded (not the modules kept at issue time), and
    the total is counted over the matching ids alone."""
    conditions = []
    words = fold(query).split()
    if words:  # every word, in any order ("haddad amira" finds Amira Haddad)
        conditions.append(Certificate.user_id.in_(select(User.id).where(
            *(User.search_text.contains(word, autoescape=True) for word in words))))
    if role:
        conditions.append(Certificate.role == role)
    if state == VALID:
        conditions.append(Certificate.revoked_at.is_(None))
    elif state == REVOKED:
        conditions.append(Certificate.revoked_at.is_not(None))
    statement = (
        select(Certificate).where(*conditions)
        .options(load_only(Certificate.code, Certificate.user_id, Certificate.role,
                           Certificate.holder_name, Certificate.issued_on,
                           Certificate.revoked_at, Certificate.revoked_reason))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc()))
    result = db.paginate(statement, page=page, per_page=per_page, error_out=False,
                         count=False)
    result.total = db.session.scalar(
        select(func.count()).select_from(Certificate).where(*conditions))
    return result
