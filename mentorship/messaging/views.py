"""Write to a group: recipients, preview, send once; the messages sent."""

from flask import abort, current_app, flash, request, url_for
from flask_login import current_user

from ..database import utcnow
from ..dates import programme_today
from ..extensions import db
from ..i18n import gettext as _
from ..i18n import language_name, ngettext, text_direction
from ..permissions import can_coordinate, requires
from ..programme.services import active_neighbourhoods, get_settings
from ..web import db_int, flash_success, perform, redirect_to, render
from . import bp, services
from .forms import compose_form
from .models import (
    GROUPS,
    KIND_LABELS,
    MATCH,
    PERSON,
    SESSION_ENROLLED,
    VOLUNTEERS,
    Message,
)

# Query arguments that choose a group (links from a person's page, a training session,
# a match); the list of messages sent keeps them on its other pages.
PRESELECT_ARGS = ("group", "session_id", "role", "neighbourhood_id", "match_id", "person_id")


def _id(value):
    """A posted or linked id, or None when it is not one."""
    try:
        return db_int(value or "")
    except ValueError:
        return None


def _preselected():
    """The group the link asks for; the kind of group follows from the ids when not named."""
    args = {name: request.args.get(name) for name in PRESELECT_ARGS if request.args.get(name)}
    if args.get("group") not in GROUPS:
        args.pop("group", None)
        if "person_id" in args:
            args["group"] = PERSON
        elif "match_id" in args:
            args["group"] = MATCH
        elif "session_id" in args:
            args["group"] = SESSION_ENROLLED
        elif "role" in args or "neighbourhood_id" in args:
            args["group"] = VOLUNTEERS
    return args


def _form(formdata=None, data=None):
    source = formdata if formdata is not None else (data or {})
    return compose_form(
        formdata, data=data,
        locales=services.interface_locales(get_settings().default_locale),
        sessions=services.session_choices(utcnow(), _id(source.get("session_id"))),
        neighbourhoods=active_neighbourhoods())


def _group(form):
    return services.Group(
        kind=form.group.data or None, session_id=_id(form.session_id.data),
        role=form.role.data or None, neighbourhood_id=_id(form.neighbourhood_id.data),
        match_id=_id(form.match_id.data), person_id=_id(form.person_id.data))


def _chosen_names(form):
    """The person or the match a link chose, named on the form (they have no field)."""
    group = _group(form)
    if group.kind in (PERSON, MATCH):
        try:
            return services.describe_group(group.kind, services.resolve(group))
        except services.MessageError:
            return None
    return None


def _languages():
    """The names and writing directions of the languages a message may be written in."""
    codes = current_app.config["LANGUAGES"]
    return {"language_names": {code: language_name(code) for code in codes},
            "directions": {code: text_direction(code) for code in codes}}


def _page(form, status=200, preview=None):
    return render("messaging/compose.html", status=status, form=form, preview=preview,
                  chosen=_chosen_names(form), sent=services.sent_messages(
                      page=request.args.get("page", 1, type=db_int)),
                  filters=_preselected(), describe=services.describe_group, kinds=KIND_LABELS,
                  moment_text=services.moment_text, **_languages())


@bp.route("/coordinate/messages", methods=["GET", "POST"])
@requires(can_coordinate)
def compose():
    if request.method == "GET":
        return _page(_form(data=_preselected()))
    form = _form(request.form)
    if not form.validate():
        return _page(form, status=422)
    arguments = dict(group=_group(form), kind=form.kind.data, texts=form.texts(),
                     today=programme_today())
    if form.send.data:
        done = perform(services.send_message, current_user, token=form.token.data,
                       **arguments, form=form)
        if done:
            message, sent = done.result
            if sent:
                flash_success(ngettext("Your message was sent to %(num)d person.",
                                       "Your message was sent to %(num)d people.",
                                       message.recipient_count))
            else:
                flash(_("This message was already sent. Nothing more was sent."), "info")
            return redirect_to(url_for("messaging.message", message_id=message.id))
        return _page(form, status=done.error.status)
    done = perform(services.preview, **arguments, form=form)
    if not done:
        return _page(form, status=done.error.status)
    return _page(form, preview=done.result)


@bp.get("/coordinate/messages/<int:message_id>")
@requires(can_coordinate)
def message(message_id):
    sent = db.session.get(Message, message_id) or abort(404)
    return render("messaging/message.html", message=sent,
                  description=services.describe_group(sent.group_kind, sent.group_names),
                  recipients=services.message_recipients(
                      sent.id, page=request.args.get("page", 1, type=db_int)),
                  kinds=KIND_LABELS, **_languages())
