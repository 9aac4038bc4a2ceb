"""Demo data: `flask seed-demo`. Idempotent: running it again changes nothing."""

from datetime import timedelta

import click
from flask.cli import with_appcontext

from .accounts.models import (
    ADMIN,
    COORDINATOR,
    NEWCOMER,
    PARTNER,
    RESIDENT,
    LanguageSkill,
    User,
    UserRole,
    find_user_by_email,
)
from .dates import add_months
from .extensions import db
from .programme.models import Neighbourhood
from .programme.services import get_settings

# bandit B105: the demo password is published in the README on purpose.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  # nosec B105

NEIGHBOURHOODS = (
    "Centre-ville", "Gare – Europole", "Île Verte", "Saint-Bruno", "Championnet",
    "Villeneuve", "Teisseire – Malherbe", "Berriat", "Mistral – Eaux-Claires",
)  # fmt: skip

# email, name, roles, locale, neighbourhood index, languages
PEOPLE = (
    ("admin@example.org", "Claire Dubois", (ADMIN, COORDINATOR), "fr", 0,
     (("fr", "native"), ("en", "C1"))),
    ("coordinator@example.org", "Karim Haddad", (COORDINATOR,), "fr", 1,
     (("fr", "native"), ("ar", "native"), ("en", "B2"))),
    ("mentor@example.org", "Élodie Martin", (RESIDENT,), "fr", 3,
     (("fr", "native"), ("en", "B2"), ("es", "B1"))),
    ("newcomer@example.org", "Олена Коваленко", (NEWCOMER,), "uk", 5,
     (("uk", "native"), ("ru", "C1"), ("fr", "A2"))),
    ("partner@example.org", "Julien Roche", (PARTNER,), "fr", 0, (("fr", "native"),)),
    ("amina.benali@example.org", "Amina Benali", (RESIDENT,), "fr", 7,
     (("fr", "native"), ("ar", "C1"))),
    ("thomas.girard@example.org", "Thomas Girard", (RESIDENT,), "en", 2,
     (("fr", "native"), ("en", "C2"), ("de", "B1"))),
    ("ines.moreau@example.org", "Inès Moreau", (RESIDENT,), "fr", 4,
     (("fr", "native"), ("uk", "B2"), ("ru", "B2"))),
    ("bogdan.shevchenko@example.org", "Богдан Шевченко", (RESIDENT,), "uk", 6,
     (("uk", "native"), ("fr", "C1"))),
    ("youssef.alamin@example.org", "يوسف الأمين", (NEWCOMER,), "ar", 5,
     (("ar", "native"), ("fr", "A1"))),
    ("mariam.said@example.org", "مريم سعيد", (NEWCOMER,), "ar", 8,
     (("ar", "native"), ("en", "B1"))),
    ("tesfaye.alemu@example.org", "Tesfaye Alemu", (NEWCOMER,), "en", 6,
     (("ti", "native"), ("am", "C1"), ("en", "B1"))),
    ("iryna.bondar@example.org", "Ірина Бондар", (NEWCOMER,), "uk", 3,
     (("uk", "native"), ("en", "A2"))),
)  # fmt: skip


def seed_settings():
    settings = get_settings()
    if settings.name == "Welcome Neighbours" and not db.session.scalar(
        db.select(db.func.count()).select_from(Neighbourhood)
    ):
        settings.name = "Bienvenue Voisins – Grenoble"
        settings.contact_email = "bienvenue@example.org"
        settings.timezone = "Europe/Paris"
        settings.default_locale = "fr"
    existing = set(db.session.scalars(db.select(Neighbourhood.name)))
    for position, name in enumerate(NEIGHBOURHOODS):
        if name not in existing:
            db.session.add(Neighbourhood(name=name, position=position))
    db.session.flush()
    return {n.name: n for n in db.session.scalars(db.select(Neighbourhood))}


def seed_people(neighbourhoods):
    people = {}
    password_hash = None  # one (slow, salted) hash of the one demo password for everyone
    for email, name, roles, locale, place, languages in PEOPLE:
        user = find_user_by_email(email)
        if user is None:
            user = User(email=email, name=name, locale=locale,
                        neighbourhood=neighbourhoods[NEIGHBOURHOODS[place]])
            if password_hash is None:
                user.set_password(DEMO_PASSWORD)
                password_hash = user.password_hash
            user.password_hash = password_hash
            user.roles = [UserRole(role=role) for role in roles]
            user.languages = [LanguageSkill(language=c, level=lvl) for c, lvl in languages]
            db.session.add(user)
        people[email] = user
    db.session.flush()
    return people


def seed_volunteering(people, neighbourhoods, today):
    """Applications in every state and commitments at every stage (once)."""
    from .database import utcnow
    from .volunteering.models import (
        ACTIVE,
        APPROVED,
        AWAITING_TRAINING,
        COMPLETED,
        ENDED_EARLY,
        INFO_REQUESTED,
        REJECTED,
        SUBMITTED,
        WITHDRAWN,
        Application,
        Commitment,
    )
    from .volunteering.services import ensure_roles

    ensure_roles()
    if db.session.scalar(db.select(db.func.count()).select_from(Application)):
        return
    now = utcnow()
    evenings = ["tue-evening", "thu-evening", "sat-morning"]
    plans = [
        # email, role, status, commitment status, months since start, days waiting, message
        ("mentor@example.org", "mentor", APPROVED, ACTIVE, 2, 75, "Welcome aboard!"),
        ("amina.benali@example.org", "language_buddy", APPROVED, ACTIVE, 4, 130, None),
        ("thomas.girard@example.org", "housing_helper", APPROVED, COMPLETED, 7, 230, None),
        ("ines.moreau@example.org", "language_buddy", APPROVED, AWAITING_TRAINING, 0, 12,
         "Thank you! Training starts next month."),
        ("bogdan.shevchenko@example.org", "mentor", APPROVED, ENDED_EARLY, 3, 120, None),
        ("bogdan.shevchenko@example.org", "language_buddy", SUBMITTED, None, 0, 16, None),
        ("ines.moreau@example.org", "mentor", SUBMITTED, None, 0, 3, None),
        ("thomas.girard@example.org", "mentor", INFO_REQUESTED, None, 0, 9,
         "Could you tell us which evenings suit you best?"),
        ("amina.benali@example.org", "housing_helper", REJECTED, None, 0, 40,
         "We have enough housing helpers in your neighbourhood for now. Thank you!"),
        ("mentor@example.org", "housing_helper", WITHDRAWN, None, 0, 50, None),
    ]
    motivations = {
        "mentor": "I arrived in this city myself twenty years ago and remember how lost I felt.",
        "language_buddy": "I love languages and would enjoy practising French with someone new.",
        "housing_helper": "I work in social housing and know the paperwork well.",
    }
    coordinator = people["coordinator@example.org"]
    for email, role, status, commitment_status, months, days, message in plans:
        person = people[email]
        start = add_months(today, -months) if months else today + timedelta(days=14)
        application = Application(
            user=person, role=role, status=status,
            open_role=role if status in (SUBMITTED, INFO_REQUESTED) else None,
            motivation=motivations[role], neighbourhood_id=person.neighbourhood_id,
            availability=evenings, start_date=start, pledge_end_date=add_months(start, 6),
            submitted_at=now - timedelta(days=days),
            decided_at=None if status == SUBMITTED else now - timedelta(days=days - 5),
            decided_by=None if status in (SUBMITTED, WITHDRAWN) else coordinator,
            decision_message=message,
        )
        db.session.add(application)
        if commitment_status:
            commitment = Commitment(
                user=person, role=role, application=application, status=commitment_status,
                current_role=role if commitment_status in (ACTIVE, AWAITING_TRAINING) else None,
                start_date=start, end_date=add_months(start, 6), min_months=6,
                activated_at=None if commitment_status == AWAITING_TRAINING else now,
            )
            if commitment_status == ENDED_EARLY:
                commitment.ended_on = today - timedelta(days=10)
                commitment.end_reason = "moved_away"
                commitment.end_note = "Moved to Lyon for work."
            if commitment_status == COMPLETED:
                commitment.completed_on = commitment.end_date
            db.session.add(commitment)
    db.session.flush()


def seed_demo():
    """Create the demo programme; each later area adds its own part here."""
    from .dates import programme_today

    neighbourhoods = seed_settings()
    people = seed_people(neighbourhoods)
    seed_volunteering(people, neighbourhoods, programme_today())
    from .training.demo import seed_training

    seed_training(people, programme_today())
    from .matching.demo import seed_matching

    seed_matching(people, [neighbourhoods[name] for name in NEIGHBOURHOODS], programme_today())
    from .hours.demo import seed_hours

    seed_hours(people, programme_today())
    from .recognition.demo import seed_recognition

    seed_recognition(people, programme_today())
    from .awards.demo import seed_awards

    seed_awards(people, programme_today())
    from .reports.demo import seed_history

    seed_history(people, programme_today())
    from .checkins.demo import seed_current_checkins, seed_past_checkins

    seed_past_checkins(programme_today())  # a demo seeded before check-ins existed
    seed_current_checkins(people, programme_today())
    from .privacy.demo import seed_privacy

    seed_privacy(people)  # last: every demo account agrees to the notice
    return people


@click.command("seed-demo")
@click.option("--scale", type=float, default=0.0, show_default=True,
              help="Add this many units of volume for benchmarks (1 unit: 5,000 volunteers, "
                   "3,000 newcomers, 2,500 matches, 100,000 hour entries). Added once.")
@with_appcontext
def seed_demo_command(scale):
    """Load the demo data (safe to run again: nothing is duplicated)."""
    seed_demo()
    db.session.commit()
    if scale > 0:
        from .scale import MARKER, timed_seed_scale

        added, seconds = timed_seed_scale(scale)
        db.session.commit()
        if added:
            click.echo(f"Scale {scale:g} added in {seconds:.1f} s:")
            for table, count in added.items():
                click.echo(f"  {table}: {count:,}")
        else:
            click.echo(f"Scaled data already there ({MARKER} exists): nothing added.")
    click.echo("Demo data ready. Every demo account uses the password " + DEMO_PASSWORD)
