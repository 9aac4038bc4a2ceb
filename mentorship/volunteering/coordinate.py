"""The coordinator's side: the applications queue, decisions and commitments."""

from flask import abort, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from ..availability import DAY_LABELS, DAYS, PART_LABELS, PARTS
from ..database import utcnow
from ..dates import programme_today
from ..extensions import db
from ..formtools import filter_values
from ..i18n import gettext as _
from ..i18n import spoken_language_choices
from ..permissions import can_coordinate, requires
from ..programme.services import active_neighbourhoods
from ..web import db_int, flash_success, htmx_message, perform, redirect_to, render
from . import bp, services
from .forms import CommitmentFilterForm, DecisionForm, QueueFilterForm
from .models import (
    ACTIVE,
    APPLICATION_STATE_LABELS,
    COMMITMENT_STATE_LABELS,
    END_REASON_LABELS,
    END_REASONS,
    ENDING_SOON_DAYS,
    LEFT_PROGRAMME,
    ROLE_NAMES,
    Application,
)


class LabelsOfThePage(dict):
    """``labels`` (lazy: looked up in the catalogue each time one is shown), each looked up
    once for the page that shows them in many rows; safe as a template shows a lazy label."""

    def __init__(self, labels):
        super().__init__()
        self.labels = labels

    def __missing__(self, key):
        text = self[key] = Markup(str(self.labels[key]))  # noqa: S704  # nosec B704
        return text


@bp.app_template_global()
def application_card_words():
    """The words of an application's card, looked up once for a page of cards (each is
    ~10 us from a template, per card). Marked safe as a template's ``_()`` marks them.
    With the names of the roles ("roles") and of the states ("states"), each looked up
    once for the page."""
    words = {
        "status": _("Status"), "waiting": _("Waiting"), "email": _("Email"),
        "phone": _("Phone"), "languages": _("Languages"), "neighbourhood": _("Neighbourhood"),
        "pledge": _("Pledge"), "free": _("Free"), "motivation": _("Motivation"),
        "read_all": _("Read the whole motivation"), "last_message": _("Last message:"),
        "approve": _("Approve"), "ask": _("Ask for more information"),
        "decline": _("Decline"),
    }
    # Translations are trusted text, as a template's _() takes them.
    words = {key: Markup(text) for key, text in words.items()}  # noqa: S704  # nosec B704
    words["roles"] = LabelsOfThePage(ROLE_NAMES)
    words["states"] = LabelsOfThePage(APPLICATION_STATE_LABELS)
    return words


@bp.app_template_global()
def availability_badges(slots):
    """The same HTML as ``availability_summary`` in templates/_macros/availability.html
    (a badge per day with its parts of the day), written in Python: a card of the queue
    called the macro for a tenth of its time."""
    wanted = set(slots or ())
    badges = []
    for day in DAYS:
        parts = [str(PART_LABELS[part]).lower() for part in PARTS if f"{day}-{part}" in wanted]
        if parts:
            badges.append(f'<span class="badge">{escape(DAY_LABELS[day])}: '
                          f'{escape(", ".join(parts))}</span> ')
    return Markup("".join(badges))  # noqa: S704  # nosec B704  (each part escaped)


def _filter_form():
    return QueueFilterForm(
        request.args,
        language_choices=spoken_language_choices(),
        neighbourhood_choices=[(str(n.id), n.name) for n in active_neighbourhoods()],
    )


@bp.route("/coordinate/applications")
@requires(can_coordinate)
def coordinate_applications():
    form = _filter_form()
    filters = filter_values(form, ("role", "status", "language", "neighbourhood", "waiting"))
    filters["status"] = filters["status"] or "open"
    form.status.data = filters["status"]
    page = services.review_queue(
        role=filters["role"],
        status=None if filters["status"] == "all" else filters["status"],
        language=filters["language"],
        neighbourhood_id=int(filters["neighbourhood"]) if filters["neighbourhood"] else None,
        waiting_days=int(filters["waiting"]) if filters["waiting"] else None,
        page=request.args.get("page", 1, type=db_int),
    )
    return render("volunteering/coordinate_applications.html", form=form, page=page,
                  filters=filters, now=utcnow(), decision_form=DecisionForm(formdata=None))


@bp.route("/coordinate/applications/<int:application_id>/decide", methods=["POST"])
@requires(can_coordinate)
def decide(application_id):
    form = DecisionForm()
    if form.validate():
        done = perform(services.decide, current_user, application_id, form.chosen_decision(),
                       form.message.data, form=form)
        if done:
            application = done.result
            flash_success(_("Decision recorded for %(name)s.", name=application.user.name))
            if request.htmx:
                return _card(application, decided=True)
            return redirect_to(url_for("volunteering.coordinate_applications"))
        status = done.error.status
        if status != 422 and request.htmx:
            # The application changed under the coordinator (decided, withdrawn): say so
            # in the page's messages, without replacing the card they are looking at.
            return htmx_message(str(done.error), "error", status)
    else:
        status = 422
    # The card again with the typed message and the error next to it (or at its top):
    # in place for HTMX, on the application's own page without JavaScript.
    return _card(db.session.get(Application, application_id) or abort(404), status=status,
                 decision_form=form)


def _card(application, status=200, decision_form=None, decided=False):
    """One application's card: swapped in place for HTMX, else on its own page."""
    if decision_form is None:
        decision_form = DecisionForm(formdata=None)
    context = dict(application=application, now=utcnow(), decided=decided,
                   decision_form=decision_form)
    if request.htmx:
        return render("volunteering/coordinate_applications.html", status=status,
                      block="application_card", **context)
    return render("volunteering/coordinate_application.html", status=status, **context)


# How many rows the sections under the commitments list show before "see all".
PREVIEW_ROWS = 5


def _commitment_filters():
    form = CommitmentFilterForm(
        request.args,
        neighbourhood_choices=[(str(n.id), n.name) for n in active_neighbourhoods()])
    filters = filter_values(form, ("q", "role", "state", "neighbourhood", "ending_soon"))
    filters["q"] = (filters["q"] or "").strip() or None
    filters["state"] = filters["state"] or ACTIVE
    form.state.data = filters["state"]
    filters["ending_soon"] = "y" if filters["ending_soon"] else None  # as the link carries it
    return form, filters


@bp.route("/coordinate/commitments")
@requires(can_coordinate)
def coordinate_commitments():
    today = programme_today()
    form, filters = _commitment_filters()
    page = services.find_commitments(
        today=today, search=filters["q"], role=filters["role"], state=filters["state"],
        neighbourhood_id=int(filters["neighbourhood"]) if filters["neighbourhood"] else None,
        ending_soon=bool(filters["ending_soon"]), page=request.args.get("page", 1, type=db_int))
    glance = services.commitments_at_a_glance(today, PREVIEW_ROWS)  # shared: only read
    by_reason = glance["by_reason"]
    return render(
        "volunteering/coordinate_commitments.html",
        today=today, form=form, page=page, filters=filters, awaiting=glance["awaiting"],
        ending_soon=glance["ending_soon"], ended=glance["ended"],
        filtered=filters != {"q": None, "role": None, "state": ACTIVE, "neighbourhood": None,
                             "ending_soon": None},
        may_end=services.may_end, me=current_user._get_current_object(),  # not a proxy per row
        role_names=LabelsOfThePage(ROLE_NAMES),
        commitment_status_labels=LabelsOfThePage(COMMITMENT_STATE_LABELS),
        end_reason_labels=LabelsOfThePage(END_REASON_LABELS),
        ending_soon_days=ENDING_SOON_DAYS,
        by_reason=[(END_REASON_LABELS[r], by_reason.get(r, 0))
                   for r in (*END_REASONS, LEFT_PROGRAMME)],
    )


@bp.route("/coordinate/applications/<int:application_id>")
@requires(can_coordinate)
def coordinate_application(application_id):
    application = db.session.get(Application, application_id) or abort(404)
    return render("volunteering/coordinate_application.html", application=application,
                  now=utcnow(), decision_form=DecisionForm(formdata=None))
