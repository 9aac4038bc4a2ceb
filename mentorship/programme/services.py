"""Reading and changing the programme's settings and neighbourhoods."""

from flask import g
from sqlalchemy import select

from ..audit.services import record
from ..database import add_once, changes_column, is_sqlite
from ..errors import DomainError
from ..extensions import db
from ..i18n import lazy_gettext as _l
from .models import Neighbourhood, ProgrammeSettings

NEIGHBOURHOOD_MAX = Neighbourhood.name.type.length


def get_settings():
    """The settings row (created with defaults the first time), cached per request.

    On PostgreSQL the same query reads the count of committed writes
    (``database.database_changes``), which tells the kept figures whether anything changed
    (reports/cache.py)."""
    if "programme_settings" not in g:
        settings = None
        if is_sqlite():
            settings = db.session.get(ProgrammeSettings, 1)
        else:
            row = db.session.execute(select(ProgrammeSettings, changes_column())
                                     .where(ProgrammeSettings.id == 1)).first()
            if row is not None:
                settings, g.database_changes = row
        if settings is None:
            # First use: create the row. Two workers may try at once; one wins.
            add_once(ProgrammeSettings(id=1))
            settings = db.session.get(ProgrammeSettings, 1)
        g.programme_settings = settings
    return g.programme_settings


def active_neighbourhoods():
    return db.session.scalars(
        db.select(Neighbourhood)
        .where(Neighbourhood.active.is_(True))
        .order_by(Neighbourhood.position, Neighbourhood.name)
    ).all()


def neighbourhood_pairs():
    """The active neighbourhoods as (id as text, name) pairs, for a select: the same for
    everyone, kept in memory until the next write (reports.cache.remembered)."""
    from ..reports.cache import remembered

    return remembered(("neighbourhood-pairs",), lambda: tuple(
        (str(n.id), n.name) for n in active_neighbourhoods()))


def neighbourhood_choices(blank_label):
    return [("", blank_label), *neighbourhood_pairs()]


def update_settings(actor, settings, *, name, contact_email, timezone, default_locale,
                    neighbourhoods):
    """Save the settings and the list of neighbourhoods (one name per line, in order).

    Neighbourhoods missing from the new list are hidden, not deleted, so people who
    chose one keep it.
    """
    wanted = [n.strip() for n in neighbourhoods if n.strip()]
    if any(len(label) > NEIGHBOURHOOD_MAX for label in wanted):
        raise DomainError(_l("Each neighbourhood may have at most %(count)d characters.",
                             count=NEIGHBOURHOOD_MAX), "neighbourhoods")
    settings.name = name
    settings.contact_email = contact_email
    settings.timezone = timezone
    settings.default_locale = default_locale
    existing = {n.name: n for n in db.session.scalars(db.select(Neighbourhood))}
    for position, label in enumerate(dict.fromkeys(wanted)):
        row = existing.pop(label, None) or Neighbourhood(name=label)
        row.position = position
        row.active = True
        db.session.add(row)
    for row in existing.values():
        row.active = False
    record(actor, "settings.updated", settings)
