"""The newcomer's side (/buddy) and the pages both people of a match share."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..formtools import attach_error
from ..permissions import can_request_buddy, is_logged_in, requires
from ..programme.services import neighbourhood_choices
from ..volunteering.models import ROLE_CODES
from ..web import flash_success, form_status, redirect_to, render
from . import bp, services
from .forms import BuddyRequestForm, DeclineForm
from .models import HELP_DESCRIPTIONS, HELP_LABELS


@bp.route("/buddy")
@requires(can_request_buddy)
def buddy():
    requests = services.newcomer_requests(current_user.id)
    current_kinds = {r.role for r in requests if r.status in ("open", "matched")}
    from ..hours.services import to_confirm

    return render("matching/buddy.html", requests=requests, current_kinds=current_kinds,
                  to_confirm=to_confirm(current_user.id),
                  kinds=ROLE_CODES, help_labels=HELP_LABELS,
                  help_descriptions=HELP_DESCRIPTIONS)


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
        try:
            services.create_request(
                current_user, role, languages=form.language_skills(),
                target_language=form.target_language.data or None, needs=form.needs.data,
                note=form.note.data, neighbourhood_id=int(form.neighbourhood.data),
                availability=form.availability.data,
                preferred_contact=form.preferred_contact.data)
        except services.MatchingError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash_success(_("Thank you! We are looking for a buddy for you. We will write "
                            "to you soon."))
            return redirect_to(url_for("matching.buddy"))
    return render("matching/request_form.html", status=form_status(form), form=form, role=role,
                  help_labels=HELP_LABELS, help_descriptions=HELP_DESCRIPTIONS)


@bp.route("/buddy/requests/<int:request_id>/cancel", methods=["POST"])
@requires(can_request_buddy)
def cancel_request(request_id):
    try:
        services.cancel_request(current_user, request_id)
    except services.MatchingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash_success(_("Your request is cancelled."))
    return redirect_to(url_for("matching.buddy"))


def _match_or_404(match_id):
    match = services.match_for(current_user, match_id)
    if match is None:
        abort(404)
    return match


def _back(match):
    side = match.side_of(current_user)
    return url_for("matching.buddy") if side == "newcomer" else url_for(
        "volunteering.volunteer")


@bp.route("/matches/<int:match_id>")
@requires(is_logged_in)
def match(match_id):
    match = _match_or_404(match_id)
    return render("matching/match.html", match=match, side=match.side_of(current_user),
                  decline_form=DeclineForm())


@bp.route("/matches/<int:match_id>/accept", methods=["POST"])
@requires(is_logged_in)
def accept(match_id):
    match = _match_or_404(match_id)
    try:
        services.respond(current_user, match.id, accept=True)
    except services.MatchingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if match.status == "active":
            flash_success(_("You both said yes: you can now contact each other."))
        else:
            flash_success(_("Thank you! We are waiting for the other person's answer."))
    return redirect_to(url_for("matching.match", match_id=match.id))


@bp.route("/matches/<int:match_id>/decline", methods=["POST"])
@requires(is_logged_in)
def decline(match_id):
    match = _match_or_404(match_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            services.respond(current_user, match.id, accept=False, reason=form.reason.data,
                             note=form.note.data)
        except services.MatchingError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash_success(_("Thank you for your answer. The coordinators will look for "
                            "another match."))
            return redirect_to(_back(match))
    return render("matching/match.html", status=form_status(form), match=match,
                  side=match.side_of(current_user), decline_form=form)
