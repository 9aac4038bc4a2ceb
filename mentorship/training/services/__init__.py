"""Training's rules, by topic: ``content`` (modules and their quiz), ``sessions``
(seats, waiting lists, attendance), ``quizzes``, ``certification`` (completed modules
start the commitment and earn the certificate), ``calendars`` and ``progress`` (what the
pages show).

Here: the area's error and who may train at all, which every topic asks.
"""

from sqlalchemy import func, select

from ...errors import DomainError
from ...extensions import db
from ...volunteering.models import ACTIVE, AWAITING_TRAINING, COMPLETED, Commitment

# Commitments of people who were approved: they train (or trained) for the role.
TRAINED_COMMITMENT_STATES = (AWAITING_TRAINING, ACTIVE, COMPLETED)


class TrainingError(DomainError):
    """A refused training change (enrolment, attendance, quiz, module, certificate)."""


def may_train(user):
    """Volunteers with an approved commitment (waiting for training, active or served)."""
    return bool(db.session.scalar(
        select(func.count()).select_from(Commitment)
        .where(Commitment.user_id == user.id, Commitment.status.in_(TRAINED_COMMITMENT_STATES))))
