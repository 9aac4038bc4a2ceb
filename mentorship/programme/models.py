from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ProgrammeSettings(db.Model):
    """The programme's own settings, one row, edited by admins."""

    __tablename__ = "programme_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="Welcome Neighbours")
    contact_email: Mapped[str] = mapped_column(String(254), default="programme@example.org")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    default_locale: Mapped[str] = mapped_column(String(8), default="en")
    # "N residents accompanied newcomers this year" thresholds worth celebrating.
    milestones: Mapped[list] = mapped_column(JSON, default=lambda: [10, 50, 100, 250, 500])


class Neighbourhood(db.Model):
    __tablename__ = "neighbourhoods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
