"""Erasing a person: their request, its confirmation, and the anonymisation itself."""

from sqlalchemy import func, select

from ..extensions import db
from .models import REQUESTED, ErasureRequest


def waiting_requests_count():
    """Erasure requests a coordinator has not confirmed yet (the dashboard shows it)."""
    return db.session.scalar(select(func.count()).select_from(ErasureRequest)
                             .where(ErasureRequest.status == REQUESTED))
