"""The coordinator's verification queue, reversals and exports."""

from datetime import date

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..accounts.models import User
from ..dates import programme_today
from ..extensions import db
from ..formtools import filter_values
from ..permissions import can_coordinate, requires
from ..programme.services import active_neighbourhoods
from ..web import (
    act,
    attachment,
    db_ids,
    db_int,
    flash_success,
    perform,
    redirect_to,
    render,
)
from . import bp, services
from .forms import BulkDecisionForm, ExportForm, QueueFilterForm
from .models import APPROVED, REJECTED, HourEntry

FILTERS = ("volunteer", "role", "neighbourhood", "month", "activity", "age")


def _queue_page(status=200, decision_form=None, failures=(), selected=()):
    form = QueueFilterForm(request.args, today=programme_today(), neighbourhood_choices=[
        (str(n.id), n.name) for n in active_neighbourhoods()])
    filters = filter_values(form, FILTERS)
    month = filters["month"]
    page = services.queue(
        volunteer=filters["volunteer"], role=filters["role"], activity=filters["activity"],
        neighbourhood_id=int(filters["neighbourhood"]) if filters["neighbourhood"] else None,
        month=date(int(month[:4]), int(month[5:]), 1) if month else None,
        min_age_days=int(filters["age"]) if filters["age"] else None,
        page=request.args.get("page", 1, type=db_int))
    return render("hours/queue.html", status=status, form=form, page=page, filters=filters,
                  decision_form=decision_form or BulkDecisionForm(formdata=None),
                  failures=failures, selected=set(selected), export_form=ExportForm())


@bp.route("/coordinate/hours")
@requires(can_coordinate)
def queue():
    return _queue_page()


@bp.route("/coordinate/hours/decide", methods=["POST"])
@requires(can_coordinate)
def decide():
    """One entry (its own button) or the selected ones; all or none."""
    ids = db_ids(request.form.getlist("entry"))
    decision = {"approve": APPROVED, "reject": REJECTED}.get(request.form.get("decision"))
    one = db_ids(request.form.getlist("approve_one"))
    if one:  # a row's own button
        ids, decision = one[:1], APPROVED
    form = BulkDecisionForm()
    if not form.validate():
        return _queue_page(status=422, decision_form=form, selected=ids)
    done = perform(services.decide, current_user, ids, decision, form.reason.data, form=form)
    if not done:
        # The queue again, with the selection and the reason kept: why next to the reason,
        # at the top of the form, or (all or none) the entries that could not be decided.
        return _queue_page(status=done.error.status, decision_form=form,
                           failures=getattr(done.error, "failures", ()), selected=ids)
    if decision == APPROVED:
        flash_success(ngettext("%(num)d entry approved.", "%(num)d entries approved.",
                               len(done.result)))
    else:
        flash_success(ngettext("%(num)d entry rejected.", "%(num)d entries rejected.",
                               len(done.result)))
    if request.htmx:
        return _queue_page()
    return redirect_to(url_for("hours.queue", **{k: v for k, v in request.args.items()}))


@bp.route("/coordinate/hours/approved")
@requires(can_coordinate)
def approved():
    volunteer = request.args.get("volunteer", "").strip()
    query = (db.select(HourEntry).options(db.joinedload(HourEntry.user).lazyload(User.roles))
             .where(HourEntry.status == APPROVED, HourEntry.reversal_of_id.is_(None))
             .order_by(HourEntry.day.desc(), HourEntry.id.desc()))
    if volunteer:
        from ..database import folded

        query = query.where(HourEntry.user_id.in_(db.select(User.id).where(
            folded(User.name).like(f"%{volunteer.casefold()}%"))))
    page = db.paginate(query, page=request.args.get("page", 1, type=db_int), per_page=25,
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
    return act(url_for("hours.approved"), services.reverse, current_user, entry_id,
               request.form.get("reason", ""),
               success=_("The entry is reversed: its time no longer counts."))


@bp.route("/coordinate/hours/export.csv")
@requires(can_coordinate)
def coordinate_export():
    form = ExportForm(request.args)
    if not form.validate():
        abort(400)
    rows = services.export_rows(start=form.start.data, end=form.end.data)
    name = f"hours-{form.start.data or 'start'}-{form.end.data or 'now'}.csv"
    return attachment(services.csv_lines(rows), name, "text/csv")
