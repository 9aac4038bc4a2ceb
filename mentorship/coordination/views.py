"""The coordinator's home: the programme's figures, each linked to the list behind it."""


from ..dates import programme_today
from ..permissions import can_coordinate, requires
from ..reports.services import dashboard
from ..web import render
from . import bp


@bp.route("/coordinate")
@requires(can_coordinate)
def home():
    return render("coordination/home.html", figures=dashboard(programme_today()))
