"""The coordinator's side: /coordinate/checkins (helper C fills this)."""

from ..permissions import can_coordinate, requires
from . import bp


@bp.route("/coordinate/checkins")
@requires(can_coordinate)
def coordinate():
    return "placeholder"
