"""People: the coordinator's search and person page, and assisted sign-up (invitations)."""

from flask import Blueprint

bp = Blueprint("people", __name__)

from . import signup, views  # noqa: E402, F401  (routes register on bp)
