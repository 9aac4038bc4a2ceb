"""The coordinator's matching board."""

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..database import utcnow
from ..extensions import db
from ..permissions import can_coordinate, requires
from ..web import (
    db_int,
    flash_success,
    form_status,
    htmx_message,
    perform,
    redirect_to,
    render,
)
from . import bp, services
from .forms import NOTE_MAX, EndMatchForm, ProposeForm
from .models import HELP_LABELS, BuddyRequest, Match
from .scoring import MIN_MONTHS_LEFT


@bp.route("/coordinate/matching")
@requires(can_coordinate)
def board():
    page = services.board(request.args.get("page", 1, type=db_int))
    return render("matching/board.html", page=page, now=utcnow(),
                  help_labels=HELP_LABELS)


def _request_or_404(request_id):
    return db.session.get(BuddyRequest, request_id) or abort(404)


def _request_page(buddy_request, status=200, form=None, error=None):
    query = request.values.get("q", "").strip()
    return render(
        "matching/request_detail.html", status=status, buddy_request=buddy_request,
        suggestions=services.suggestions(buddy_request) if buddy_request.is_open else [],
        results=services.search_eligible(buddy_request, query) if query else None,
        q=query, form=form or ProposeForm(), error=error, now=utcnow(),
        help_labels=HELP_LABELS, min_months_left=MIN_MONTHS_LEFT, note_max=NOTE_MAX)


@bp.route("/coordinate/matching/requests/<int:request_id>")
@requires(can_coordinate)
def request_detail(request_id):
    return _request_page(_request_or_404(request_id))


@bp.route("/coordinate/matching/requests/<int:request_id>/propose", methods=["POST"])
@requires(can_coordinate)
def propose(request_id):
    buddy_request = _request_or_404(request_id)
    form = ProposeForm()
    commitment_id = request.form.get("commitment_id", type=db_int)
    if form.validate_on_submit() and form.commitment_id.data.isdecimal() and commitment_id:
        done = perform(services.propose, current_user, buddy_request.id, commitment_id,
                       note=form.note.data, form=form)
        if done:
            match = done.result
            flash_success(_("%(volunteer)s is proposed to %(newcomer)s. Both are asked to "
                            "accept.", volunteer=match.volunteer.name,
                            newcomer=match.newcomer.first_name))
            return redirect_to(url_for("matching.board"))
        if request.htmx and done.error.field is None:
            # The request or the volunteer changed meanwhile: say so, keep the page.
            return htmx_message(str(done.error), "error", done.error.status)
    # The page shows the first problem at its top, and next to the chosen volunteer's note.
    error = next(iter(form.errors.values()))[0] if form.errors else _(
        "Please choose a volunteer.")
    return _request_page(buddy_request, status=422, form=form, error=error)


@bp.route("/coordinate/matching/matches")
@requires(can_coordinate)
def matches():
    return render("matching/active_matches.html",
                  page=services.active_matches(request.args.get("page", 1, type=db_int)))


@bp.route("/coordinate/matching/matches/<int:match_id>/end", methods=["GET", "POST"])
@requires(can_coordinate)
def end_match(match_id):
    match = db.session.get(Match, match_id) or abort(404)
    form = EndMatchForm()
    if form.validate_on_submit():
        done = perform(services.end_match, current_user, match.id, form.outcome.data,
                       form.reason.data, form.note.data, reopen=form.reopen.data, form=form,
                       success=_("The match has ended."))
        if done:
            return redirect_to(url_for("matching.matches"))
    return render("matching/end_match.html", status=form_status(form), form=form, match=match)
