"""The volunteer's hours (and the newcomer's "did you meet?" confirmation)."""

from datetime import date

from flask import Response, abort, flash, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..dates import add_months, programme_today
from ..extensions import db
from ..permissions import can_request_buddy, can_volunteer, requires
from ..web import flash_success, redirect_to, render
from . import bp, services
from .forms import HourForm
from .models import HourEntry


def _month(value, today):
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


def _form(formdata=None, entry=None, **kwargs):
    matches = services.loggable_matches(current_user.id)
    data = None
    if entry is not None and formdata is None:
        data = {"day": entry.day, "hours": entry.minutes // 60, "minutes": entry.minutes % 60,
                "activity": entry.activity, "match": str(entry.match_id or ""),
                "note": entry.note}
    form = HourForm(formdata=formdata, data=data, matches=matches, **kwargs)
    if formdata is None and entry is None:
        form.day.data = programme_today()
        if matches:
            form.match.data = str(matches[0].id)
    return form


def _page(form, status=200, month=None, editing=None, edit_form=None):
    today = programme_today()
    month = month or _month(request.args.get("month"), today)
    return render(
        "hours/hours.html", status=status, form=form, month=month, today=today,
        entries=services.month_entries(current_user.id, month),
        totals=services.totals(current_user.id, today),
        per_match=services.per_match_totals(current_user.id),
        previous=add_months(month, -1), following=add_months(month, 1),
        may_log=services.may_log(current_user.id), editing=editing, edit_form=edit_form)


def _save(form, entry=None):
    """Validate and save; returns None on success, else puts the error on the form."""
    if not form.validate():
        return False
    fields = dict(day=form.day.data, minutes=form.duration, activity=form.activity.data,
                  match_id=int(form.match.data) if form.match.data else None,
                  note=form.note.data, today=programme_today(),
                  confirm_duplicate=form.confirm_duplicate.data)
    try:
        if entry is None:
            services.log_hours(current_user, token=form.token.data, **fields)
        else:
            services.edit_hours(current_user, entry.id, **fields)
    except services.HoursError as error:
        db.session.rollback()
        target = form.hours if error.field == "duration" else (
            form[error.field] if error.field else None)
        if target is not None:
            target.errors = [*target.errors, str(error)]
        else:
            form.form_errors.append(str(error))
        form.near_duplicate = isinstance(error, services.NearDuplicate)
        return False
    db.session.commit()
    return True


@bp.route("/hours", methods=["GET", "POST"])
@requires(can_volunteer)
def hours():
    if request.method == "GET":
        return _page(_form())
    form = _form(request.form)
    if _save(form):
        flash_success(_("Thank you! Your hours are saved and wait for verification."))
        if request.htmx:
            return _page(_form(), month=form.day.data.replace(day=1))
        return redirect_to(url_for("hours.hours", month=form.day.data.strftime("%Y-%m")))
    return _page(form, status=422)


def _own(entry_id):
    entry = db.session.get(HourEntry, entry_id)
    if entry is None or entry.user_id != current_user.id:
        abort(404)
    return entry


@bp.route("/hours/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(can_volunteer)
def edit(entry_id):
    entry = _own(entry_id)
    month = entry.day.replace(day=1)
    if not entry.is_pending:
        flash(_("This entry has been verified and can no longer be changed. To correct it, "
                "add a new entry."), "error")
        return redirect_to(url_for("hours.hours", month=month.strftime("%Y-%m")))
    if request.method == "GET":
        return _page(_form(), month=month, editing=entry.id,
                     edit_form=_form(entry=entry, prefix=f"e{entry.id}"))
    edit_form = _form(request.form, entry=entry, prefix=f"e{entry.id}")
    if _save(edit_form, entry):
        flash_success(_("Your entry is updated."))
        if request.htmx:
            return _page(_form(), month=edit_form.day.data.replace(day=1))
        return redirect_to(url_for("hours.hours", month=edit_form.day.data.strftime("%Y-%m")))
    return _page(_form(), status=422, month=month, editing=entry.id, edit_form=edit_form)


@bp.route("/hours/<int:entry_id>/delete", methods=["POST"])
@requires(can_volunteer)
def delete(entry_id):
    entry = _own(entry_id)
    month = entry.day.replace(day=1)
    try:
        services.delete_hours(current_user, entry.id)
    except services.HoursError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash_success(_("The entry is deleted."))
    if request.htmx:
        return _page(_form(), month=month)
    return redirect_to(url_for("hours.hours", month=month.strftime("%Y-%m")))


def csv_response(rows, filename):
    return Response(stream_with_context(services.csv_lines(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/hours/export.csv")
@requires(can_volunteer)
def export():
    return csv_response(services.export_rows(user_id=current_user.id, approved_only=False),
                        "my-hours.csv")


@bp.route("/hours/<int:entry_id>/confirm", methods=["POST"])
@requires(can_request_buddy)
def confirm(entry_id):
    entry = db.session.get(HourEntry, entry_id)
    if entry is None or entry.match is None or entry.match.newcomer_id != current_user.id:
        abort(404)
    try:
        services.confirm_by_newcomer(current_user, entry.id)
    except services.HoursError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash_success(_("Thank you for confirming."))
    return redirect_to(url_for("matching.buddy"))
