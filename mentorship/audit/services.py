from sqlalchemy import Integer, and_, exists, func, or_, select

from ..database import RowsPage
from ..extensions import db
from .models import AuditEvent

# Columns referring to a person that do not make their row "about" that person: who acted
# on someone else's record, published a document or chaired a jury, the jury's scores, and
# the author of an audit entry (their own actions). tests/privacy/test_export.py keeps it
# in step with privacy.export.EXEMPT.
NOT_ABOUT = frozenset({
    ("applications", "decided_by_id"), ("certificates", "revoked_by_id"),
    ("commitments", "ended_by_id"), ("erasure_requests", "confirmed_by_id"),
    ("hour_entries", "decided_by_id"), ("matches", "proposed_by_id"),
    ("nominations", "reviewed_by_id"), ("passes", "redeemed_by_id"),
    ("passes", "revoked_by_id"), ("privacy_notices", "published_by_id"),
    ("published_reports", "published_by_id"), ("award_votes", "nominee_id"),
    ("award_cycles", "chair_id"), ("audit_events", "actor_id"),
    ("messages", "sender_id"), ("invitations", "created_by_id"),
    ("checkins", "answered_by_id"), ("match_flags", "resolved_by_id"),
})


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


def _recordable():
    """(record_type, table, primary key) of every model an audit event can be about."""
    for mapper in db.Model.registry.mappers:
        keys = list(mapper.local_table.primary_key.columns)
        if (len(keys) == 1 and isinstance(keys[0].type, Integer)
                and mapper.local_table.name != AuditEvent.__tablename__):
            yield mapper.class_.__name__, mapper.local_table, keys[0]


def about(user_id, every_link=False):
    """SQL: the audit events about a person: their account, or a record one of whose
    columns referring to users holds their id (found in the metadata, so a future table
    is covered). Columns in NOT_ABOUT count only with ``every_link`` (for the erasure,
    which removes the person's name from every record that refers to them)."""
    conditions = [and_(AuditEvent.record_type == "User", AuditEvent.record_id == user_id)]
    for kind, table, key in _recordable():
        links = [column for column in table.columns
                 if any(fk.column.table.name == "users" for fk in column.foreign_keys)
                 and (every_link or (table.name, column.name) not in NOT_ABOUT)]
        if links:
            conditions.append(and_(AuditEvent.record_type == kind, AuditEvent.record_id.in_(
                select(key).where(or_(*(column == user_id for column in links))))))
    return or_(*conditions)


def record_gone():
    """SQL: the audit events whose record no longer exists (deleted since)."""
    return or_(*(and_(AuditEvent.record_type == kind, AuditEvent.record_id.is_not(None),
                      ~exists().where(key == AuditEvent.record_id))
                 for kind, _table, key in _recordable()))


PER_PAGE = 25


def audit_page(*, actor_id=None, record_type=None, record_id=None, page=1, per_page=PER_PAGE):
    """One page of audit events, newest first, as rows of the event's columns and
    ``actor_name`` (None for the system): two statements whatever the page holds."""
    from ..accounts.models import User  # (accounts imports this module)

    conditions = []
    if actor_id:
        conditions.append(AuditEvent.actor_id == actor_id)
    if record_type:
        conditions.append(AuditEvent.record_type == record_type)
    if record_id:
        conditions.append(AuditEvent.record_id == record_id)
    rows = (select(AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.record_type,
                   AuditEvent.record_id, AuditEvent.message, AuditEvent.data,
                   User.name.label("actor_name"))
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(*conditions)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    total = select(func.count()).select_from(AuditEvent).where(*conditions)
    return RowsPage(page=page, per_page=per_page, error_out=False, rows=rows, total=total)
