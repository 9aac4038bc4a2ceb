from ..extensions import db
from .models import AuditEvent


def record(actor, action, record, message=None, **data):
    """Add an audit event for ``action`` by ``actor`` on ``record`` (committed with the change)."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        record_type=type(record).__name__,
        record_id=getattr(record, "id", None),
        message=message,
        data=data or None,
    )
    db.session.add(event)
    return event


def audit_page(*, actor_id=None, record_type=None, record_id=None, page=1, per_page=50):
    query = db.select(AuditEvent).options(db.joinedload(AuditEvent.actor))
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if record_type:
        query = query.where(AuditEvent.record_type == record_type)
    if record_id:
        query = query.where(AuditEvent.record_id == record_id)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
