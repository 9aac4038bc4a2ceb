"""Demo data: `flask seed-demo`. Idempotent: running it again changes nothing."""

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
from .extensions import db
from .programme.models import Neighbourhood
from .programme.services import get_settings

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (published in the README on purpose)

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
    for email, name, roles, locale, place, languages in PEOPLE:
        user = find_user_by_email(email)
        if user is None:
            user = User(email=email, name=name, locale=locale,
                        neighbourhood=neighbourhoods[NEIGHBOURHOODS[place]])
            user.set_password(DEMO_PASSWORD)
            user.roles = [UserRole(role=role) for role in roles]
            user.languages = [LanguageSkill(language=c, level=lvl) for c, lvl in languages]
            db.session.add(user)
        people[email] = user
    db.session.flush()
    return people


def seed_demo():
    """Create the demo programme; each later area adds its own part here."""
    neighbourhoods = seed_settings()
    people = seed_people(neighbourhoods)
    return people


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo data (safe to run again: nothing is duplicated)."""
    seed_demo()
    db.session.commit()
    click.echo("Demo data ready. Every demo account uses the password " + DEMO_PASSWORD)
