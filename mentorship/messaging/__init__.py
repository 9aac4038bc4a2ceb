"""Messages: a coordinator writes to a group of people, in several languages."""

from flask import Blueprint

bp = Blueprint("messaging", __name__)

from . import views  # noqa: E402, F401  (routes register on bp)
