from flask import Blueprint

from ..signals import commitment_approved

bp = Blueprint("training", __name__)

from . import coordinate, views  # noqa: E402, F401  (routes register on bp)
from .services.certification import train_on_approval  # noqa: E402

# Volunteering announces approvals; training answers (volunteering never imports training).
commitment_approved.connect(train_on_approval)
