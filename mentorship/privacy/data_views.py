"""My data (/account/my-data, .json), asking for erasure (/account/delete), and the
coordinators' queue of erasure requests (/coordinate/erasure-requests)."""

from datetime import timedelta

from flask import abort, current_app, request, url_for
from flask_login import current_user

from ..accounts.models import LEVEL_LABELS, ROLE_LABELS, SHARES_CONTACT_LABELS
from ..awards.models import CATEGORY_LABELS
from ..checkins.models import CHECKIN_STATE_LABELS, MOMENT_LABELS
from ..extensions import db
from ..hours.models import ACTIVITY_LABELS
from ..hours.models import STATUS_LABELS as HOUR_STATUS_LABELS
from ..i18n import gettext as _
from ..matching.models import FLAG_REASON_LABELS, MATCH_STATE_LABELS, REQUEST_STATE_LABELS
from ..permissions import can_coordinate, is_logged_in, requires
from ..training.models import ENROLLMENT_LABELS
from ..volunteering.models import APPLICATION_STATE_LABELS
from ..web import act, attachment, db_int, form_status, perform, redirect_to, render
from . import bp, erasure
from .data_forms import CancelErasureForm, ConfirmErasureForm, ErasureRequestForm
from .export import collect, export_person
from .models import ERASURE_STATE_LABELS, ErasureRequest

# The page shows this many of the newest rows of each list; the download has them all.
PAGE_ROWS = 20
LABELS = {
    "roles": ROLE_LABELS, "levels": LEVEL_LABELS, "shares_contact": SHARES_CONTACT_LABELS,
    "application": APPLICATION_STATE_LABELS, "request": REQUEST_STATE_LABELS,
    "match": MATCH_STATE_LABELS, "hours": HOUR_STATUS_LABELS, "activity": ACTIVITY_LABELS,
    "enrolment": ENROLLMENT_LABELS, "category": CATEGORY_LABELS,
    "erasure": ERASURE_STATE_LABELS, "moment": MOMENT_LABELS,
    "checkin": CHECKIN_STATE_LABELS, "flag": FLAG_REASON_LABELS,
}


def _confirm_after():
    return timedelta(days=current_app.config["ERASURE_CONFIRM_AFTER_DAYS"])


@bp.route("/account/my-data")
@requires(is_logged_in)
def my_data():
    data, cut = collect(current_user, limit=PAGE_ROWS)
    return render("privacy/my_data.html", data=data, cut=cut, labels=LABELS,
                  page_rows=PAGE_ROWS)


@bp.route("/account/my-data.json")
@requires(is_logged_in)
def my_data_json():
    body = current_app.json.dumps(export_person(current_user), ensure_ascii=False, indent=2)
    return attachment(body,
                      "my-data.json", "application/json")


@bp.route("/account/delete", methods=["GET", "POST"])
@requires(is_logged_in)
def delete_account():
    form, status = ErasureRequestForm(), None
    if form.validate_on_submit():
        done = perform(erasure.request_erasure, current_user, form.password.data, form=form,
                       success=_("Your request is recorded. A coordinator will confirm it; "
                                 "until then you can cancel it here."))
        if done:
            return redirect_to(url_for("privacy.delete_account"))
        status = done.error.status
    return render("privacy/delete_account.html", status=status or form_status(form),
                  form=form, cancel_form=CancelErasureForm(),
                  waiting=erasure.request_of(current_user.id), confirm_after=_confirm_after())


@bp.route("/account/delete/cancel", methods=["POST"])
@requires(is_logged_in)
def cancel_erasure():
    return act(url_for("privacy.delete_account"), erasure.cancel_erasure, current_user,
               success=_("Your request is cancelled: your account stays as it is."))


@bp.route("/coordinate/erasure-requests")
@requires(can_coordinate)
def erasure_requests():
    page = erasure.waiting_requests(request.args.get("page", 1, type=db_int))
    return render("privacy/erasure_requests.html", page=page, confirm_after=_confirm_after())


@bp.route("/coordinate/erasure-requests/<int:request_id>", methods=["GET", "POST"])
@requires(can_coordinate)
def confirm_erasure(request_id):
    found = db.session.get(ErasureRequest, request_id) or abort(404)
    form, status = ConfirmErasureForm(), None
    if form.validate_on_submit():
        done = perform(erasure.confirm, current_user, found.id, form=form,
                       success=_("The account is erased."))
        if done:
            return redirect_to(url_for("privacy.erasure_requests"))
        status = done.error.status
    return render("privacy/erasure_confirm.html", status=status or form_status(form),
                  form=form, found=found, confirm_after=_confirm_after())
