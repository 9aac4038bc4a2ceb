"""The coordinator's home: every queue with how much is waiting in it."""

from flask import Blueprint

from ..dates import programme_today
from ..permissions import can_coordinate, requires
from ..volunteering import services as volunteering
from ..volunteering.models import AWAITING_TRAINING, Commitment
from ..web import render

bp = Blueprint("coordination", __name__)


@bp.route("/coordinate")
@requires(can_coordinate)
def home():
    waiting, oldest_days = volunteering.queue_counts()
    today = programme_today()
    return render(
        "coordination/home.html",
        waiting=waiting,
        oldest_days=oldest_days,
        ending_soon=volunteering.count_commitments(*volunteering.ending_soon_conditions(today)),
        awaiting_training=volunteering.count_commitments(
            Commitment.status == AWAITING_TRAINING),
    )
