"""The volunteer's hours (and the newcomer's "did you meet?" confirmation)."""

from datetime import date

from flask import abort, flash, request, url_for
from flask_login import current_user

from ..dates import add_months, programme_today
from ..extensions import db
from ..formtools import MAX_YEAR, MIN_YEAR
from ..i18n import gettext as _
from ..permissions import can_request_buddy, can_volunteer, own_or_404, requires
from ..web import act, attachment, db_int, perform, redirect_to, refusal, render
from . import bp, services
from .forms import HourForm
from .models import ACTIVITY_LABELS, STATUS_LABELS, HourEntry


def _month(value, today):
    """The month named by ``?month=YYYY-MM``, or this month for anything else."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if MIN_YEAR <= year <= MAX_YEAR:
            return date(year, month, 1)
    except (TypeError, ValueError):
        pass
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


def _page(form, status=200, month=None, editing=None, edit_form=None, page=None):
    today = programme_today()
    month = month or _month(request.args.get("month"), today)
    totals = services.totals(current_user.id, today, month)
    # A busy month is shown a page at a time; the entry being changed, on its own page.
    page = page or request.args.get("page", 1, type=db_int)
    return render(
        "hours/hours.html", status=status, form=form, month=month, today=today,
        entries=services.month_entries(current_user.id, month, page=page,
                                       total=totals["shown_entries"]),
        totals=totals,
        per_match=services.per_match_totals(current_user.id),
        previous=add_months(month, -1), following=add_months(month, 1),
        window=services.logging_window(current_user.id, today), editing=editing,
        edit_form=edit_form,
        # Each entry's labels, translated once for the page.
        activity_labels={code: str(label) for code, label in ACTIVITY_LABELS.items()},
        status_labels={code: str(label) for code, label in STATUS_LABELS.items()})


def _save(form, success, entry=None):
    """Validate and save; True once saved (``success`` queued for the person), else the
    form carries the errors."""
    if not form.validate():
        return False
    fields = dict(day=form.day.data, minutes=form.duration, activity=form.activity.data,
                  match_id=int(form.match.data) if form.match.data else None,
                  note=form.note.data, today=programme_today(),
                  confirm_duplicate=form.confirm_duplicate.data)
    if entry is None:
        done = perform(services.log_hours, current_user, token=form.token.data, **fields,
                       form=form, success=success)
    else:
        done = perform(services.edit_hours, current_user, entry.id, **fields, form=form,
                       success=success)
    form.near_duplicate = isinstance(done.error, services.NearDuplicate)
    return bool(done)


@bp.route("/hours", methods=["GET", "POST"])
@requires(can_volunteer)
def hours():
    if request.method == "GET":
        return _page(_form())
    form = _form(request.form)
    if _save(form, _("Thank you! Your hours are saved and wait for verification.")):
        if request.htmx:
            return _page(_form(), month=form.day.data.replace(day=1))
        return redirect_to(url_for("hours.hours", month=form.day.data.strftime("%Y-%m")))
    return _page(form, status=422)


@bp.route("/hours/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(can_volunteer)
def edit(entry_id):
    entry = own_or_404(HourEntry, entry_id)
    month = entry.day.replace(day=1)
    if not entry.is_pending:
        flash(str(services.ENTRY_VERIFIED), "error")
        return redirect_to(url_for("hours.hours", month=month.strftime("%Y-%m")))
    if request.method == "GET":
        return _page(_form(), month=month, editing=entry.id,
                     edit_form=_form(entry=entry, prefix=f"e{entry.id}"),
                     page=services.month_page_of(entry))
    edit_form = _form(request.form, entry=entry, prefix=f"e{entry.id}")
    if _save(edit_form, _("Your entry is updated."), entry):
        if request.htmx:
            return _page(_form(), month=edit_form.day.data.replace(day=1))
        return redirect_to(url_for("hours.hours", month=edit_form.day.data.strftime("%Y-%m")))
    return _page(_form(), status=422, month=month, editing=entry.id, edit_form=edit_form,
                 page=services.month_page_of(entry))


@bp.route("/hours/<int:entry_id>/delete", methods=["POST"])
@requires(can_volunteer)
def delete(entry_id):
    entry = own_or_404(HourEntry, entry_id)
    month = entry.day.replace(day=1)
    here = url_for("hours.hours", month=month.strftime("%Y-%m"))
    done = perform(services.delete_hours, current_user, entry.id,
                   success=_("The entry is deleted."))
    if not done:
        return refusal(done, here)
    if request.htmx:
        return _page(_form(), month=month)
    return redirect_to(here)


@bp.route("/hours/export.csv")
@requires(can_volunteer)
def export():
    rows = services.export_rows(user_id=current_user.id, approved_only=False)
    return attachment(services.csv_lines(rows), "my-hours.csv", "text/csv")


@bp.route("/hours/<int:entry_id>/confirm", methods=["POST"])
@requires(can_request_buddy)
def confirm(entry_id):
    entry = db.session.get(HourEntry, entry_id)
    if entry is None or entry.match is None or entry.match.newcomer_id != current_user.id:
        abort(404)
    return act(url_for("matching.buddy"), services.confirm_by_newcomer, current_user, entry.id,
                   success=_("Thank you for confirming."))
