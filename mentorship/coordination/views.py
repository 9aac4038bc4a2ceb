"""The coordinator's home: the programme's figures, each linked to the list behind it,
and the open work that needs a new owner."""

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..dates import programme_today
from ..matching.endings import needing_decision_count
from ..permissions import can_coordinate, requires
from ..privacy.erasure import waiting_requests_count
from ..reports.services import dashboard
from ..volunteering.models import ENDING_SOON_DAYS, MINIMUM_MONTHS
from ..web import act, render
from . import bp, services

# A queue whose oldest item has waited longer than this is marked urgent on the dashboard
# (a week: people who offered their time, or logged it, should not wait longer).
URGENT_AFTER_DAYS = 7


@bp.route("/coordinate")
@requires(can_coordinate)
def home():
    today = programme_today()
    return render("coordination/home.html", figures=dashboard(today),
                  ending_soon_days=ENDING_SOON_DAYS, minimum_months=MINIMUM_MONTHS,
                  new_owner=services.needing_new_owner(),
                  matches_needing_decision=needing_decision_count(today),
                  erasure_requests=waiting_requests_count(), urgent_after_days=URGENT_AFTER_DAYS,
                  attention=services.needing_attention(),
                  effects=services.effects_summary(today.year))


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
