"""Demo hours: several months of entries in every state (once)."""

import random
from datetime import timedelta

from ..database import utcnow
from ..extensions import db
from ..matching.models import Match
from ..volunteering.models import Commitment
from .models import APPROVED, EVENT, MEETING, OTHER, PENDING, REJECTED, TRAINING, HourEntry


def seed_hours(people, today):
    if db.session.scalar(db.select(db.func.count()).select_from(HourEntry)):
        return
    # bandit B311: a seeded generator makes repeatable demo history, not secrets.
    rng = random.Random(2026)  # nosec B311
    coordinator = people["coordinator@example.org"]
    now = utcnow()
    commitments = db.session.scalars(db.select(Commitment).where(
        Commitment.status.in_(("active", "completed")))).all()
    matches = {m.volunteer_id: m for m in db.session.scalars(
        db.select(Match).where(Match.status == "active"))}
    for commitment in commitments:
        match = matches.get(commitment.user_id)
        day = max(commitment.start_date, today - timedelta(days=200))
        # Nothing after a completed commitment's end (hours follow the commitment).
        until = today if commitment.status == "active" else min(
            today, commitment.completed_on or commitment.end_date)
        while day <= until:
            if match and day >= match.activated_at.date():
                activity, minutes, match_id = MEETING, rng.choice((60, 90, 120)), match.id
            else:
                activity = rng.choice((TRAINING, EVENT, OTHER))
                minutes, match_id = rng.choice((45, 60, 120)), None
            age = (today - day).days
            status = PENDING if age < 12 else (REJECTED if rng.random() < 0.06 else APPROVED)
            entry = HourEntry(
                user_id=commitment.user_id, commitment_id=commitment.id, match_id=match_id,
                day=day, minutes=minutes, activity=activity, status=status,
                note="Café et démarches à la mairie" if activity == MEETING else None,
                created_at=now - timedelta(days=max(age - 1, 0)))
            if status != PENDING:
                entry.decided_at = entry.created_at + timedelta(days=3)
                entry.decided_by_id = coordinator.id
                if status == REJECTED:
                    entry.decision_reason = "Deux entrées pour la même réunion."
            db.session.add(entry)
            day += timedelta(days=rng.choice((6, 7, 8, 10, 14)))
    db.session.flush()
    # One correction by the team, so totals show how a reversal is traced.
    approved = db.session.scalar(db.select(HourEntry).where(HourEntry.status == APPROVED)
                                 .order_by(HourEntry.id).limit(1))
    if approved is not None:
        db.session.add(HourEntry(
            user_id=approved.user_id, commitment_id=approved.commitment_id, day=approved.day,
            minutes=-approved.minutes, activity=approved.activity, status=APPROVED,
            note="Saisie en double", decided_at=now, decided_by_id=coordinator.id,
            decision_reason="Saisie en double", reversal_of_id=approved.id))
    db.session.flush()
