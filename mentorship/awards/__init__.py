from flask import Blueprint

bp = Blueprint("awards", __name__)

from . import coordinate, views  # noqa: E402, F401  (routes register on bp)
