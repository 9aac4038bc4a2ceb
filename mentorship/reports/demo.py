"""Demo history: eighteen months of volunteering and check-ins, so that the dashboard, the
public page and last year's published report show real curves and effects (created once).

Each past volunteer accompanied a newcomer of their own, as in a real programme, so that
"residents who accompanied newcomers" and "newcomers accompanied" tell the same story."""

import random
from datetime import datetime, time, timedelta

from ..accounts.models import LanguageSkill, User, UserRole
from ..dates import add_months
from ..extensions import db
from ..hours.models import HourEntry
from ..matching.models import BuddyRequest, Match
from ..recognition.models import REDEEMED, Pass, Perk
from ..training.models import Certificate
from ..volunteering.models import Commitment
from .services import publish

FIRST = ("Léa", "Hugo", "Chloé", "Nathan", "Manon", "Louis", "Camille", "Jules", "Sarah", "Adam",
         "Yasmine", "Rayan", "Oksana", "Taras", "Fatima", "Omar", "Anna", "Mehdi")
LAST = ("Bernard", "Dubois", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefebvre", "Michel")
ROLES = ("mentor", "language_buddy", "housing_helper")
NEWCOMER_FIRST = ("Oksana", "Taras", "Fatima", "Omar", "Yasmine", "Mehdi", "Amal", "Dmytro",
                  "Hiba", "Karim", "Iryna", "Samir")
NEWCOMER_LAST = ("Haddad", "Kovalenko", "Nasser", "Bondarenko", "Rahimi", "Mansour",
                 "Tkachenko", "Saleh")
NEWCOMER_LANGUAGES = (("ar", "ar"), ("uk", "uk"), ("en", "fa"))


def seed_history(people, today):
    if db.session.scalar(db.select(User.id).where(User.email == "history0@example.org")):
        return
    # bandit B311: a seeded generator makes repeatable demo history, not secrets.
    rng = random.Random(18)  # nosec B311
    password_hash = people["mentor@example.org"].password_hash
    admin = people["admin@example.org"]
    perk = db.session.scalar(db.select(Perk).order_by(Perk.id).limit(1))
    names = random.Random(19)  # nosec B311  (the newcomers' names, apart from the history)
    for index in range(36):
        started = add_months(today, -rng.randint(7, 19))
        role = ROLES[index % 3]
        volunteer = User(
            email=f"history{index}@example.org", name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            password_hash=password_hash, locale="fr", roles=[UserRole(role="resident")],
            languages=[LanguageSkill(language="fr", level="native")])
        status = "completed" if rng.random() < 0.8 else "ended_early"
        end = add_months(started, 6)
        commitment = Commitment(
            user=volunteer, role=role, status=status, start_date=started, end_date=end,
            min_months=6, activated_at=datetime.combine(started, time(9)),
            completed_on=end if status == "completed" else None,
            ended_on=None if status == "completed" else add_months(started, rng.randint(2, 5)),
            end_reason=None if status == "completed" else rng.choice(("moved_away",
                                                                      "lack_of_time")))
        db.session.add_all([volunteer, commitment])
        db.session.flush()
        locale, language = NEWCOMER_LANGUAGES[index % 3]
        newcomer = User(
            email=f"history-newcomer{index}@example.org", password_hash=password_hash,
            name=f"{names.choice(NEWCOMER_FIRST)} {names.choice(NEWCOMER_LAST)}",
            locale=locale, roles=[UserRole(role="newcomer")],
            languages=[LanguageSkill(language=language, level="native")])
        db.session.add(newcomer)
        db.session.flush()
        request = BuddyRequest(user_id=newcomer.id, role=role, status="closed", needs=[],
                               availability=[], preferred_contact="email",
                               created_at=datetime.combine(started, time(10))
                               + timedelta(days=7),
                               closed_at=datetime.combine(end, time(10)))
        activated = request.created_at + timedelta(days=rng.randint(3, 25))
        finished = commitment.ended_on or end
        db.session.add(Match(request=request, commitment=commitment, volunteer_id=volunteer.id,
                             newcomer_id=newcomer.id, proposed_by_id=admin.id,
                             status="completed" if status == "completed" else "ended_early",
                             created_at=activated - timedelta(days=2), activated_at=activated,
                             volunteer_accepted_at=activated, newcomer_accepted_at=activated,
                             ended_at=datetime.combine(finished, time(18)),
                             end_reason="needs_met" if status == "completed" else "moved_away"))
        day = started
        while day < min(finished, today):
            db.session.add(HourEntry(user_id=volunteer.id, commitment_id=commitment.id, day=day,
                                     minutes=rng.choice((60, 90, 120)), activity="meeting",
                                     status="approved",
                                     created_at=datetime.combine(day, time(20)),
                                     decided_at=datetime.combine(day, time(20)),
                                     decided_by_id=admin.id))
            day += timedelta(days=rng.choice((7, 10, 14)))
        db.session.add(Certificate(user_id=volunteer.id, role=role, holder_name=volunteer.name,
                                   programme_name="Bienvenue Voisins – Grenoble",
                                   modules=[], issued_on=started - timedelta(days=3)))
        if perk is not None and rng.random() < 0.6:
            redeemed = datetime.combine(started + timedelta(days=rng.randint(60, 150)), time(15))
            if redeemed.date() < today:
                db.session.add(Pass(perk_id=perk.id, user_id=volunteer.id, status=REDEEMED,
                                    issued_at=redeemed - timedelta(days=5),
                                    expires_on=redeemed.date() + timedelta(days=30),
                                    redeemed_at=redeemed,
                                    redeemed_by_id=people["partner@example.org"].id))
    db.session.flush()
    from ..checkins.demo import seed_past_checkins

    seed_past_checkins(today)  # before publishing: last year's report counts their effects
    publish(admin, today.year - 1)
    db.session.flush()
