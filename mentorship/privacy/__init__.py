"""Personal data: the privacy notice and consent (notice*), a person's own copy of their
data and the erasure of an account (export, erasure, data_views), and the scheduled purge
(cli)."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from . import data_views, notice_views  # noqa: E402, F401  (routes register on bp)
