"""Check-ins: how newcomers and volunteers are doing, early warnings, and the effects
of the programme."""

from flask import Blueprint

bp = Blueprint("checkins", __name__)

from . import coordinate, services, views  # noqa: E402, F401  (routes, signal receivers)
