"""The coordinator's home: the programme's figures, each linked to the list behind it,
and the open work that needs a new owner."""

from flask import url_for
from flask_login import current_user

from ..dates import programme_today
from ..i18n import gettext as _
from ..permissions import can_coordinate, requires
from ..reports.cache import remembered
from ..volunteering.models import ENDING_SOON_DAYS, MINIMUM_MONTHS
from ..web import act, render
from . import bp, dashboard, services

# A queue whose oldest item has waited longer than this is marked urgent on the dashboard
# (a week: people who offered their time, or logged it, should not wait longer).
URGENT_AFTER_DAYS = 7


@bp.route("/coordinate")
@requires(can_coordinate)
def home():
    today = programme_today()
    # Counted again only when something was written (by anyone): reports/cache.py.
    kept = remembered(("coordinator-home", today), lambda: dashboard.home(today))
    figures = kept["figures"]
    return render("coordination/home.html", figures=figures,
                  ending_soon_days=ENDING_SOON_DAYS, minimum_months=MINIMUM_MONTHS,
                  new_owner=kept["new_owner"],
                  matches_needing_decision=figures["matches_needing_decision"],
                  erasure_requests=figures["erasure_requests"],
                  urgent_after_days=URGENT_AFTER_DAYS, attention=kept["attention"],
                  effects=services.effects_summary(today.year, kept["effects"]))


def _back_home():
    return url_for("coordination.home", _anchor="needs-new-owner")


@bp.route("/coordinate/new-owner/applications/<int:application_id>", methods=["POST"])
@requires(can_coordinate)
def take_over_application(application_id):
    return act(_back_home(), services.take_over_application, current_user, application_id,
               success=_("You now own this application."))


@bp.route("/coordinate/new-owner/proposals/<int:match_id>", methods=["POST"])
@requires(can_coordinate)
def take_over_proposal(match_id):
    return act(_back_home(), services.take_over_proposal, current_user, match_id,
               success=_("You now own this proposal: if it is declined, you are told."))
