"""The coordinator's verification queue, reversals and exports."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..permissions import can_coordinate, requires
from ..web import flash_success, redirect_to, render
from . import bp, services
from .forms import ExportForm, QueueFilterForm
from .models import APPROVED, REJECTED, HourEntry
from .views import csv_response

FILTERS = ("volunteer", "role", "activity", "age")


def _queue_page(status=200, failures=None, reason_error=None, selected=(), reason=""):
    form = QueueFilterForm(request.args)
    form.validate()
    filters = {name: (form[name].data if not form[name].errors else None) or None
               for name in FILTERS}
    page = services.queue(
        volunteer=filters["volunteer"], role=filters["role"], activity=filters["activity"],
        min_age_days=int(filters["age"]) if filters["age"] else None,
        page=request.args.get("page", 1, type=int))
    return render("hours/queue.html", status=status, form=form, page=page, filters=filters,
                  failures=failures or [], reason_error=reason_error, selected=set(selected),
                  reason=reason, export_form=ExportForm())


@bp.route("/coordinate/hours")
@requires(can_coordinate)
def queue():
    return _queue_page()


@bp.route("/coordinate/hours/decide", methods=["POST"])
@requires(can_coordinate)
def decide():
    """One entry (its own button) or the selected ones; all or none."""
    ids = [int(v) for v in request.form.getlist("entry") if v.isdecimal()]
    decision = {"approve": APPROVED, "reject": REJECTED}.get(request.form.get("decision"))
    if request.form.get("approve_one", "").isdecimal():  # a row's own button
        ids, decision = [int(request.form["approve_one"])], APPROVED
    reason = request.form.get("reason", "")
    try:
        decided = services.decide(current_user, ids, decision, reason)
    except services.BulkRefused as refused:
        db.session.rollback()
        return _queue_page(status=409, failures=refused.failures, selected=ids, reason=reason)
    except services.HoursError as error:
        db.session.rollback()
        return _queue_page(status=422, reason_error=str(error), selected=ids, reason=reason)
    db.session.commit()
    if decision == APPROVED:
        flash_success(ngettext("%(num)d entry approved.", "%(num)d entries approved.",
                               len(decided)))
    else:
        flash_success(ngettext("%(num)d entry rejected.", "%(num)d entries rejected.",
                               len(decided)))
    if request.htmx:
        return _queue_page()
    return redirect_to(url_for("hours.queue", **{k: v for k, v in request.args.items()}))


@bp.route("/coordinate/hours/approved")
@requires(can_coordinate)
def approved():
    volunteer = request.args.get("volunteer", "").strip()
    query = (db.select(HourEntry).options(db.joinedload(HourEntry.user))
             .where(HourEntry.status == APPROVED, HourEntry.reversal_of_id.is_(None))
             .order_by(HourEntry.day.desc(), HourEntry.id.desc()))
    if volunteer:
        from ..accounts.models import User
        from ..database import folded

        query = query.where(HourEntry.user_id.in_(db.select(User.id).where(
            folded(User.name).like(f"%{volunteer.casefold()}%"))))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=25,
                       error_out=False)
    reversed_ids = set(db.session.scalars(db.select(HourEntry.reversal_of_id).where(
        HourEntry.reversal_of_id.in_([e.id for e in page.items]))))
    return render("hours/approved.html", page=page, volunteer=volunteer,
                  reversed_ids=reversed_ids)


@bp.route("/coordinate/hours/<int:entry_id>/reverse", methods=["POST"])
@requires(can_coordinate)
def reverse(entry_id):
    if db.session.get(HourEntry, entry_id) is None:
        abort(404)
    try:
        services.reverse(current_user, entry_id, request.form.get("reason", ""))
    except services.HoursError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash_success(_("The entry is reversed: its time no longer counts."))
    return redirect_to(url_for("hours.approved"))


@bp.route("/coordinate/hours/export.csv")
@requires(can_coordinate)
def coordinate_export():
    form = ExportForm(request.args)
    if not form.validate():
        abort(400)
    rows = services.export_rows(start=form.start.data, end=form.end.data)
    name = f"hours-{form.start.data or 'start'}-{form.end.data or 'now'}.csv"
    return csv_response(rows, name)
