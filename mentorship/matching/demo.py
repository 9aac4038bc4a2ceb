"""Demo matching: more active volunteers, open requests of each kind, matches."""

from datetime import timedelta

from ..accounts.models import LanguageSkill, User, UserRole
from ..database import utcnow
from ..dates import add_months
from ..extensions import db
from ..volunteering.models import ACTIVE as COMMITMENT_ACTIVE
from ..volunteering.models import APPROVED, Application, Commitment
from .models import ACTIVE, MATCHED, OPEN, PROPOSED, BuddyRequest, Match

# name, email, role, neighbourhood index, languages, availability, months served
VOLUNTEERS = (
    ("Sophie Laurent", "sophie.laurent@example.org", "mentor", 5,
     (("fr", "native"), ("uk", "B1")), ("mon-evening", "wed-evening", "sat-morning"), 1),
    ("Nadia Rahmani", "nadia.rahmani@example.org", "mentor", 8,
     (("fr", "native"), ("ar", "native"), ("en", "B2")), ("tue-afternoon", "thu-evening"), 2),
    ("Lucas Bernard", "lucas.bernard@example.org", "mentor", 1,
     (("fr", "native"), ("en", "C1")), ("sat-morning", "sun-afternoon"), 0),
    ("Olha Tkachenko", "olha.tkachenko@example.org", "language_buddy", 3,
     (("uk", "native"), ("fr", "C2"), ("ru", "C1")), ("mon-evening", "thu-evening"), 1),
    ("Hugo Petit", "hugo.petit@example.org", "language_buddy", 5,
     (("fr", "native"), ("es", "B2")), ("wed-afternoon", "sat-morning"), 3),
    ("Salma Idrissi", "salma.idrissi@example.org", "language_buddy", 7,
     (("fr", "C1"), ("ar", "native")), ("tue-evening", "fri-evening"), 2),
    ("Pierre Garnier", "pierre.garnier@example.org", "housing_helper", 8,
     (("fr", "native"), ("en", "B1")), ("sat-morning", "sat-afternoon"), 1),
    ("Fatou Diallo", "fatou.diallo@example.org", "housing_helper", 6,
     (("fr", "native"), ("wo", "native"), ("en", "B2")), ("wed-evening",), 2),
)


def _volunteer(name, email, role, place, languages, availability, months, neighbourhoods,
               today, password_hash):
    user = db.session.scalar(db.select(User).filter_by(email=email))
    if user is None:
        user = User(name=name, email=email, locale="fr", password_hash=password_hash,
                    neighbourhood=neighbourhoods[place],
                    roles=[UserRole(role="resident")],
                    languages=[LanguageSkill(language=c, level=lvl) for c, lvl in languages])
        db.session.add(user)
    start = add_months(today, -months) if months else today - timedelta(days=3)
    application = Application(
        user=user, role=role, status=APPROVED, motivation="Je veux aider.",
        neighbourhood=neighbourhoods[place], availability=list(availability),
        start_date=start, pledge_end_date=add_months(start, 6),
        submitted_at=utcnow() - timedelta(days=30 * months + 20), decided_at=utcnow())
    db.session.add(Commitment(user=user, role=role, current_role=role, application=application,
                              status=COMMITMENT_ACTIVE, start_date=start,
                              end_date=add_months(start, 6), min_months=6,
                              activated_at=utcnow()))
    return user


def seed_matching(people, neighbourhood_list, today):
    if db.session.scalar(db.select(db.func.count()).select_from(BuddyRequest)):
        return
    password_hash = people["mentor@example.org"].password_hash
    for row in VOLUNTEERS:
        _volunteer(*row, neighbourhood_list, today, password_hash)
    db.session.flush()
    now = utcnow()

    def ask(email, role, days, place, needs, availability, target=None, contact="email"):
        request = BuddyRequest(
            user_id=people[email].id, role=role, current_role=role, status=OPEN,
            target_language=target, needs=list(needs), neighbourhood=neighbourhood_list[place],
            availability=list(availability), preferred_contact=contact,
            created_at=now - timedelta(days=days))
        db.session.add(request)
        return request

    ask("newcomer@example.org", "language_buddy", 20, 5, ("language_practice", "meeting_people"),
        ("mon-evening", "thu-evening", "sat-morning"), target="fr")
    ask("youssef.alamin@example.org", "mentor", 5, 5, ("procedures", "customs", "finding_work"),
        ("tue-afternoon", "thu-evening"), contact="phone")
    ask("mariam.said@example.org", "housing_helper", 16, 8,
        ("finding_housing", "tenancy_paperwork"), ("sat-morning", "wed-evening"))
    tesfaye = ask("tesfaye.alemu@example.org", "mentor", 60, 6,
                  ("procedures", "school_childcare"), ("sat-morning",))
    iryna = ask("iryna.bondar@example.org", "language_buddy", 9, 3, ("language_practice",),
                ("mon-evening",), target="fr")
    db.session.flush()
    mentor = people["mentor@example.org"]
    amina = people["amina.benali@example.org"]
    commitments = {c.user_id: c for c in db.session.scalars(db.select(Commitment).where(
        Commitment.user_id.in_([mentor.id, amina.id]), Commitment.status == COMMITMENT_ACTIVE))}
    coordinator = people["coordinator@example.org"]
    tesfaye.status, tesfaye.matched_at = MATCHED, now - timedelta(days=40)
    db.session.add(Match(request=tesfaye, commitment=commitments[mentor.id],
                         volunteer_id=mentor.id, newcomer_id=tesfaye.user_id, status=ACTIVE,
                         proposed_by_id=coordinator.id, created_at=now - timedelta(days=45),
                         volunteer_accepted_at=now - timedelta(days=44),
                         newcomer_accepted_at=now - timedelta(days=40),
                         activated_at=now - timedelta(days=40)))
    db.session.add(Match(request=iryna, commitment=commitments[amina.id],
                         volunteer_id=amina.id, newcomer_id=iryna.user_id, status=PROPOSED,
                         proposed_by_id=coordinator.id, created_at=now - timedelta(days=2)))
    db.session.flush()


def seed_newcomer_match(people):
    """Olena (newcomer@example.org) asked for a mentor too, and has been matched with
    Sophie for three days: their start check-ins wait for an answer (once). Her language
    buddy request stays open for the coordinators' board."""
    olena = people["newcomer@example.org"]
    if db.session.scalar(db.select(BuddyRequest.id).where(
            BuddyRequest.user_id == olena.id, BuddyRequest.role == "mentor")):
        return
    sophie = db.session.scalar(db.select(User).filter_by(email="sophie.laurent@example.org"))
    commitment = sophie and db.session.scalar(db.select(Commitment).where(
        Commitment.user_id == sophie.id, Commitment.status == COMMITMENT_ACTIVE))
    if commitment is None:
        return
    now = utcnow()
    request = BuddyRequest(
        user_id=olena.id, role="mentor", current_role="mentor", status=MATCHED,
        needs=["procedures", "customs"], neighbourhood_id=olena.neighbourhood_id,
        availability=["mon-evening", "sat-morning"], preferred_contact="email",
        created_at=now - timedelta(days=12), matched_at=now - timedelta(days=3))
    db.session.add(request)
    db.session.add(Match(request=request, commitment=commitment, volunteer_id=sophie.id,
                         newcomer_id=olena.id, status=ACTIVE,
                         proposed_by_id=people["coordinator@example.org"].id,
                         created_at=now - timedelta(days=6),
                         volunteer_accepted_at=now - timedelta(days=5),
                         newcomer_accepted_at=now - timedelta(days=3),
                         activated_at=now - timedelta(days=3)))
    db.session.flush()
