from flask import Blueprint

bp = Blueprint("matching", __name__)

from . import coordinate, views  # noqa: E402, F401  (routes register on bp)
