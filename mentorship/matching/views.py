"""The newcomer's side (/buddy) and the pages both people of a match share."""

from flask import abort, flash, request, url_for
from flask_login import current_user

from ..i18n import gettext as _
from ..permissions import can_request_buddy, is_logged_in, own_or_404, requires
from ..programme.services import neighbourhood_choices
from ..volunteering.models import ROLE_CODES
from ..web import act, flash_success, form_status, perform, redirect_to, refusal, render
from . import bp, endings, services
from .forms import BuddyRequestForm, CloseRequestForm, DeclineForm, VolunteerEndMatchForm
from .models import (
    CLOSE_REASON_LABELS,
    HELP_DESCRIPTIONS,
    HELP_LABELS,
    NEWCOMER_CLOSE_REASONS,
    BuddyRequest,
)


@bp.route("/buddy")
@requires(can_request_buddy)
def buddy():
    requests = services.newcomer_requests(current_user.id)
    contacts = {match.id: services.contact_for(match, current_user)
                for buddy_request in requests for match in buddy_request.matches
                if match.is_active}
    from ..hours.services import to_confirm

    return render("matching/buddy.html", requests=requests,
                  current_kinds={r.role for r in requests if r.is_current}, contacts=contacts,
                  to_confirm=to_confirm(current_user.id),
                  kinds=ROLE_CODES, help_labels=HELP_LABELS,
                  help_descriptions=HELP_DESCRIPTIONS,
                  newcomer_close_reasons=NEWCOMER_CLOSE_REASONS,
                  close_reason_labels=CLOSE_REASON_LABELS)


@bp.route("/buddy/request/<role>", methods=["GET", "POST"])
@requires(can_request_buddy)
def new_request(role):
    if role not in ROLE_CODES:
        abort(404)
    data = None
    if request.method == "GET":
        data = {"languages": [{"language": s.language, "level": s.level}
                              for s in current_user.languages] or [{}],
                "neighbourhood": str(current_user.neighbourhood_id or ""),
                "preferred_contact": "email"}
    form = BuddyRequestForm(
        data=data, role=role,
        neighbourhood_choices=neighbourhood_choices(_("Choose your neighbourhood")))
    if request.method == "POST" and form.add_language.data:
        form.languages.append_entry()
        return render("matching/request_form.html", form=form, role=role,
                      help_labels=HELP_LABELS, help_descriptions=HELP_DESCRIPTIONS)
    if form.validate_on_submit():
        done = perform(
            services.create_request, current_user, role, languages=form.language_skills(),
            target_language=form.target_language.data or None, needs=form.needs.data,
            note=form.note.data, neighbourhood_id=int(form.neighbourhood.data),
            availability=form.availability.data, preferred_contact=form.preferred_contact.data,
            form=form, success=_("Thank you! We are looking for a buddy for you. We will write "
                                 "to you soon."))
        if done:
            return redirect_to(url_for("matching.buddy"))
    return render("matching/request_form.html", status=form_status(form), form=form, role=role,
                  help_labels=HELP_LABELS, help_descriptions=HELP_DESCRIPTIONS)


@bp.route("/buddy/requests/<int:request_id>/cancel", methods=["POST"])
@requires(can_request_buddy)
def cancel_request(request_id):
    return act(url_for("matching.buddy"), services.cancel_request, current_user, request_id,
               reason=request.form.get("reason") or None,
               success=_("Your request is cancelled."))


@bp.route("/buddy/requests/<int:request_id>/close", methods=["GET", "POST"])
@requires(can_request_buddy)
def close_own_request(request_id):
    buddy_request = own_or_404(BuddyRequest, request_id)
    if not buddy_request.is_current:
        abort(404)
    form = CloseRequestForm(newcomer=True)
    if form.validate_on_submit():
        done = perform(endings.close_own_request, current_user, buddy_request.id,
                       form.reason.data, form.note.data, form=form,
                       success=_("Your request is closed. Thank you for telling us."))
        if done:
            return redirect_to(url_for("matching.buddy"))
    active = next((m for m in buddy_request.matches if m.is_active), None)
    return render("matching/close_request.html", status=form_status(form), form=form,
                  buddy_request=buddy_request, active=active, help_labels=HELP_LABELS)


def _match_or_404(match_id):
    match = services.match_for(current_user, match_id)
    if match is None:
        abort(404)
    return match


def _back(match):
    side = match.side_of(current_user)
    return url_for("matching.buddy") if side == "newcomer" else url_for(
        "volunteering.volunteer")


def _match_page(match, decline_form=None, end_form=None, status=200):
    return render("matching/match.html", status=status, match=match,
                  side=match.side_of(current_user), other=match.other_person(current_user),
                  contact=services.contact_for(match, current_user),
                  profile=services.shows_profile(match),
                  decision=endings.decision_for(match, current_user),
                  decline_form=decline_form or DeclineForm(),
                  end_form=end_form or VolunteerEndMatchForm(formdata=None))


@bp.route("/matches/<int:match_id>")
@requires(is_logged_in)
def match(match_id):
    return _match_page(_match_or_404(match_id))


@bp.route("/matches/<int:match_id>/accept", methods=["POST"])
@requires(is_logged_in)
def accept(match_id):
    match = _match_or_404(match_id)
    location = url_for("matching.match", match_id=match.id)
    done = perform(services.respond, current_user, match.id, accept=True)
    if not done:
        return refusal(done, location)
    # Which confirmation depends on the other person's answer, known only after the change.
    if done.result.is_active:
        flash_success(_("You both said yes: you can now contact each other."))
    else:
        flash_success(_("Thank you! We are waiting for the other person's answer."))
    return redirect_to(location)


@bp.route("/matches/<int:match_id>/decline", methods=["POST"])
@requires(is_logged_in)
def decline(match_id):
    match = _match_or_404(match_id)
    form = DeclineForm()
    if form.validate_on_submit():
        # The form already checked the reason; what the service can still refuse is the
        # proposal's state (answered or withdrawn meanwhile), and then the form is gone
        # from the page: the refusal is shown among the page's messages.
        done = perform(services.respond, current_user, match.id, accept=False,
                       reason=form.reason.data, note=form.note.data,
                       success=_("Thank you for your answer. The coordinators will look for "
                                 "another match."))
        if not done:
            return refusal(done, url_for("matching.match", match_id=match.id))
        return redirect_to(_back(match))
    return _match_page(match, decline_form=form, status=form_status(form))


@bp.route("/matches/<int:match_id>/end", methods=["POST"])
@requires(is_logged_in)
def end(match_id):
    """The volunteer ends a match their ended commitment no longer covers."""
    match = _match_or_404(match_id)
    form = VolunteerEndMatchForm()
    if form.validate_on_submit():
        done = perform(endings.end_match_as_volunteer, current_user, match.id,
                       form.reason.data, form.note.data, reopen=form.reopen.data, form=form,
                       success=_("The match has ended. Thank you for the time you gave."))
        if done:
            return redirect_to(url_for("volunteering.volunteer"))
        if done.error.field is None:
            flash(str(done.error), "error")
            return refusal(done, url_for("matching.match", match_id=match.id))
    return _match_page(match, end_form=form, status=form_status(form))
