"""The coordinator's matching board, proposals and matches."""

from typing import NamedTuple

from flask import abort, flash, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ..database import utcnow
from ..dates import programme_today
from ..extensions import db
from ..formtools import filter_values
from ..i18n import current_locale, language_name, ngettext
from ..i18n import gettext as _
from ..permissions import can_coordinate, requires
from ..programme.services import neighbourhood_pairs
from ..volunteering.models import ROLE_NAMES
from ..web import (
    db_int,
    flash_success,
    form_status,
    htmx_message,
    perform,
    redirect_to,
    refusal,
    render,
)
from . import bp, endings, lists, services
from .forms import (
    NOTE_MAX,
    BoardFilterForm,
    CloseRequestForm,
    EndMatchForm,
    MatchFilterForm,
    ProposeForm,
    WithdrawForm,
)
from .models import HELP_LABELS, PROPOSED, BuddyRequest, Match
from .scoring import MIN_MONTHS_LEFT

FILTERS = ("q", "role", "neighbourhood", "state")


def _filters(form_class):
    form = form_class(request.args, neighbourhood_choices=neighbourhood_pairs())
    filters = filter_values(form, FILTERS)
    if filters["q"]:
        filters["q"] = filters["q"].strip() or None
    return form, filters


def _neighbourhood_id(filters):
    return int(filters["neighbourhood"]) if filters["neighbourhood"] else None


@bp.route("/coordinate/matching")
@requires(can_coordinate)
def board():
    form, filters = _filters(BoardFilterForm)
    page = lists.board(q=filters["q"], role=filters["role"],
                       neighbourhood_id=_neighbourhood_id(filters), state=filters["state"],
                       page=request.args.get("page", 1, type=db_int))
    return render("matching/board.html", page=page, form=form, filters=filters,
                  lines=_board_lines(page.items, utcnow()), help_labels=HELP_LABELS)


class BoardLine(NamedTuple):
    """A row of the board with its words written out (``lists.BoardRow`` plus texts)."""

    request: "lists.BoardRow"
    help: str  # the role, and the language to practise: "Language buddy (French)"
    languages: str  # the newcomer's languages: "Arabic, French"
    waiting: Markup  # "12 days"
    flagged: bool  # waiting too long (the request's own rule)
    proposed: list  # "Proposed: Claire Dubois", one a proposed volunteer


def _board_lines(items, now):
    """The board's rows with their words, worked out here rather than in the template's
    loop: each phrase and each language's name is looked up once for the page, not
    once a row (20 rows of five lookups each, with the page's lookups of its language)."""
    locale = current_locale()
    roles = {code: str(name) for code, name in ROLE_NAMES.items()}
    # Translations are trusted text, as a template's _() takes them (names are escaped).
    proposed = Markup(_("Proposed: %(name)s"))  # noqa: S704  # nosec B704
    waiting, languages = {}, {}

    def language(code):
        name = languages.get(code)
        if name is None:
            name = languages[code] = language_name(code, locale)
        return name

    lines = []
    for item in items:
        days = item.waiting_days(now)
        if days not in waiting:
            waiting[days] = Markup(  # noqa: S704  # nosec B704
                ngettext("%(num)d day", "%(num)d days", days))
        help_text = roles[item.role]
        if item.target_language:
            help_text = f"{help_text} ({language(item.target_language)})"
        lines.append(BoardLine(
            item, help_text, ", ".join(language(code) for code in item.languages),
            waiting[days], item.is_flagged(now),
            [proposed % {"name": name} for name in item.proposed_to]))
    return lines


def _request_or_404(request_id):
    return db.session.get(BuddyRequest, request_id) or abort(404)


def _request_page(buddy_request, status=200, form=None, error=None, withdraw_form=None,
                  close_form=None):
    query = request.values.get("q", "").strip()
    proposal = next((m for m in buddy_request.matches if m.is_proposed), None)
    active = next((m for m in buddy_request.matches if m.is_active), None)
    looking = buddy_request.is_open and proposal is None
    earlier = [m for m in buddy_request.matches if m is not proposal and m is not active]
    suggestions, eligible_total, results = [], 0, None
    if looking and query:
        suggestions, eligible_total, results = services.suggestions_and_count(
            buddy_request, search=query)
    elif looking:
        suggestions, eligible_total = services.suggestions_and_count(buddy_request)
    return render(
        "matching/request_detail.html", status=status, buddy_request=buddy_request,
        suggestions=suggestions, eligible_total=eligible_total, results=results,
        q=query, form=form or ProposeForm(), error=error, now=utcnow(), looking=looking,
        proposal=proposal, active=active, earlier=earlier,
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        close_form=close_form or CloseRequestForm(formdata=None),
        help_labels=HELP_LABELS, min_months_left=MIN_MONTHS_LEFT, note_max=NOTE_MAX)


@bp.route("/coordinate/matching/requests/<int:request_id>")
@requires(can_coordinate)
def request_detail(request_id):
    return _request_page(services.request_with_details(request_id) or abort(404))


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


@bp.route("/coordinate/matching/proposals/<int:match_id>/withdraw", methods=["POST"])
@requires(can_coordinate)
def withdraw(match_id):
    match = db.session.get(Match, match_id) or abort(404)
    request_id = match.request_id
    form = WithdrawForm()
    if form.validate_on_submit():
        done = perform(endings.withdraw_proposal, current_user, match.id, form.note.data,
                       form=form, success=_("The proposal is withdrawn and both people are "
                                            "told. You can propose a volunteer again."))
        here = url_for("matching.request_detail", request_id=request_id)
        if done:
            return redirect_to(here)
        return _refused(done, here)
    # A note too long: the page again, the note kept, the message next to it.
    return _request_page(_request_or_404(request_id), status=422, withdraw_form=form)


def _refused(done, location):
    """The proposal or request changed meanwhile (accepted, closed): the form it came
    from may be gone from the page, so the message goes among the page's messages."""
    flash(str(done.error), "error")
    return refusal(done, location)


@bp.route("/coordinate/matching/requests/<int:request_id>/close", methods=["POST"])
@requires(can_coordinate)
def close_request(request_id):
    buddy_request = _request_or_404(request_id)
    form = CloseRequestForm()
    if form.validate_on_submit():
        done = perform(endings.close_request, current_user, buddy_request.id,
                       form.reason.data, form.note.data, form=form,
                       success=_("The request of %(name)s is closed.",
                                 name=buddy_request.user.name))
        if done:
            return redirect_to(url_for("matching.board"))
        if done.error.field is None:
            return _refused(done, url_for("matching.request_detail", request_id=request_id))
    return _request_page(_request_or_404(request_id), status=422, close_form=form)


@bp.route("/coordinate/matching/matches")
@requires(can_coordinate)
def matches():
    form, filters = _filters(MatchFilterForm)
    filters["state"] = filters["state"] or "active"
    form.state.data = filters["state"]
    today = programme_today()
    page = lists.matches_list(q=filters["q"], role=filters["role"],
                              neighbourhood_id=_neighbourhood_id(filters),
                              state=filters["state"], today=today,
                              page=request.args.get("page", 1, type=db_int))
    return render("matching/active_matches.html", page=page, form=form, filters=filters,
                  proposed=PROPOSED, today=today)


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
