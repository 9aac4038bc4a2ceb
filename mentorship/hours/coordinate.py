"""The coordinator's verification queue, reversals and exports."""

from datetime import UTC, date
from typing import NamedTuple

from flask import abort, request, url_for
from flask_babel import get_timezone
from flask_login import current_user
from markupsafe import Markup

from ..dates import programme_today
from ..extensions import db
from ..formatting import format_day
from ..formtools import filter_values
from ..i18n import gettext as _
from ..i18n import ngettext
from ..permissions import can_coordinate, requires
from ..programme.services import neighbourhood_pairs
from ..volunteering.models import ROLE_NAMES
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
from .models import ACTIVITY_LABELS, APPROVED, REJECTED, HourEntry

FILTERS = ("volunteer", "role", "neighbourhood", "month", "activity", "age")


def _row_texts():
    """What every row of the queue and of the approved list says the same way, translated
    once for the page."""
    return dict(activity_labels={code: str(label) for code, label in ACTIVITY_LABELS.items()},
                role_labels={code: str(name) for code, name in ROLE_NAMES.items()},
                time_format=_("%(hours)d h %(minutes)02d"))


class QueueLine(NamedTuple):
    """A row of the queue with its words written out (``services.QueueRow`` plus texts)."""

    entry: "services.QueueRow"
    day: str  # the day the time was given, as the page writes dates
    logged: str  # the day it was logged, in the programme's zone
    time: str  # "1 h 30"
    role: str  # the volunteer's role's name, or ""
    activity: str
    select_label: Markup  # the row's checkbox's label


def _queue_lines(items, texts):
    """The queue's rows with their words, worked out here rather than in the template's
    loop: each distinct day is written once for the page and every translated phrase is
    looked up once, not once a row (50 dates and 25 phrases with the page's lookups of its
    language and zone each)."""
    days = {}

    def day_text(day):
        text = days.get(day)
        if text is None:
            text = days[day] = format_day(day)
        return text

    zone = get_timezone()  # the programme's, read once: as formatting.to_local, stored UTC
    # A translation is trusted text, as a template's _() takes it (the name is escaped).
    select = Markup(_("Select the entry of %(name)s on %(date)s"))  # noqa: S704  # nosec B704
    time_format, roles, activities = (
        texts["time_format"], texts["role_labels"], texts["activity_labels"])
    lines = []
    for entry in items:
        day = day_text(entry.day)
        logged = entry.created_at.replace(tzinfo=UTC).astimezone(zone).date()
        lines.append(QueueLine(
            entry, day, day_text(logged),
            time_format % {"hours": entry.minutes // 60, "minutes": entry.minutes % 60},
            roles[entry.role] if entry.role else "", activities[entry.activity],
            select % {"name": entry.volunteer, "date": day}))
    return lines


def _queue_page(status=200, decision_form=None, failures=(), selected=()):
    form = QueueFilterForm(request.args, today=programme_today(),
                           neighbourhood_choices=neighbourhood_pairs())
    filters = filter_values(form, FILTERS)
    month = filters["month"]
    page = services.queue(
        volunteer=filters["volunteer"], role=filters["role"], activity=filters["activity"],
        neighbourhood_id=int(filters["neighbourhood"]) if filters["neighbourhood"] else None,
        month=date(int(month[:4]), int(month[5:]), 1) if month else None,
        min_age_days=int(filters["age"]) if filters["age"] else None,
        page=request.args.get("page", 1, type=db_int))
    return render("hours/queue.html", status=status, form=form, page=page, filters=filters,
                  lines=_queue_lines(page.items, _row_texts()),
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
    page = services.approved(volunteer=volunteer,
                             page=request.args.get("page", 1, type=db_int))
    return render("hours/approved.html", page=page, volunteer=volunteer, **_row_texts())


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
