"""The coordinator's home: the programme's figures, each linked to the list behind it."""


from ..dates import programme_today
from ..permissions import can_coordinate, requires
from ..reports.services import dashboard
from ..volunteering.models import ENDING_SOON_DAYS, MINIMUM_MONTHS
from ..web import render
from . import bp


@bp.route("/coordinate")
@requires(can_coordinate)
def home():
    return render("coordination/home.html", figures=dashboard(programme_today()),
                  ending_soon_days=ENDING_SOON_DAYS, minimum_months=MINIMUM_MONTHS)
