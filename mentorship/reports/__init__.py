from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import document, views  # noqa: E402, F401  (routes register on bp)
