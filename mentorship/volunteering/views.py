"""The resident's side: roles, applying, and the volunteer's own page."""

from datetime import date

from flask import abort, flash, request, url_for
from flask_login import current_user

from ..dates import programme_today
from ..extensions import db
from ..formatting import format_day
from ..i18n import gettext as _
from ..permissions import (
    can_apply,
    can_volunteer,
    can_volunteer_or_coordinate,
    own_or_404,
    requires,
)
from ..programme.services import neighbourhood_choices
from ..web import act, form_status, perform, redirect_to, render
from . import bp, services
from .forms import ApplicationForm, EndCommitmentForm
from .models import ROLE_CODES, Application, Commitment


@bp.route("/roles")
def roles():
    return render("volunteering/roles.html", roles=services.all_roles())


def _role_or_404(code):
    role = services.get_role(code) if code in ROLE_CODES else None
    if role is None:
        abort(404)
    return role


def _application_form(formdata=None, application=None):
    user = current_user
    data = None
    if formdata is None:
        data = {
            "languages": [{"language": s.language, "level": s.level} for s in user.languages]
            or [{}],
            "neighbourhood": str((application.neighbourhood_id if application
                                  else user.neighbourhood_id) or ""),
        }
        if application:
            data.update(motivation=application.motivation, availability=application.availability,
                        start_date=application.start_date, pledge=True)
    return ApplicationForm(
        formdata=formdata, data=data,
        neighbourhood_choices=neighbourhood_choices(_("Choose a neighbourhood")),
    )


def pledge_start(value, today=None):
    """The start date the pledge sentence shows: the one typed if it is a date inside
    the allowed window, else today (the form itself reports a wrong date)."""
    today = today or programme_today()
    try:
        start = value if isinstance(value, date) else date.fromisoformat(value or "")
    except ValueError:
        return today
    return start if services.start_date_allowed(start, today) else today


def pledge_text(role, start):
    end = services.pledge_end(start, role)
    return _("I commit to give my time from %(start)s until at least %(end)s.",
             start=format_day(start, "long"), end=format_day(end, "long"))


def _handle_application(role, application=None):
    """Shared by a new application and the answer to a request for information."""
    today = programme_today()
    if request.method == "GET":
        form = _application_form(application=application)
        if form.start_date.data is None:
            form.start_date.data = today
    else:
        form = _application_form(request.form)
        if form.add_language.data:
            form.languages.append_entry()
            form.start_date.validate(form)  # parse the date so the pledge text can show it
            return _render_apply(role, form, application, today)
        if form.validate():
            fields = dict(
                motivation=form.motivation.data, languages=form.language_skills(),
                neighbourhood_id=int(form.neighbourhood.data),
                availability=form.availability.data, start_date=form.start_date.data,
                pledge=form.pledge.data, today=today,
            )
            sent = _("Thank you! Your application has been sent. A coordinator will answer "
                     "you soon.")
            if application is None:
                done = perform(services.submit_application, current_user, role, **fields,
                               form=form, success=sent)
            else:
                done = perform(services.update_application, current_user, application,
                               **fields, form=form, success=sent)
            if done:
                return redirect_to(url_for("volunteering.volunteer"))
    return _render_apply(role, form, application, today)


def _render_apply(role, form, application, today):
    start = pledge_start(form.start_date.data, today)
    return render("volunteering/apply.html", status=form_status(form), form=form, role=role,
                  application=application, pledge_label=pledge_text(role, start),
                  max_start=services.latest_start(today),
                  today=today)


def _role_to_apply_for(code):
    """The role, if it exists (404) and this person may apply for it (403 with the
    reason: a newcomer and a role not open to newcomers)."""
    role = _role_or_404(code)
    services.check_may_apply(current_user, role)
    return role


@bp.route("/apply/<role_code>", methods=["GET", "POST"])
@requires(can_apply)
def apply(role_code):
    role = _role_to_apply_for(role_code)
    existing = services.open_application(current_user.id, role.code)
    if existing is not None and request.method == "GET":
        flash(_("You already have an application for this role waiting for a decision."), "info")
        return redirect_to(url_for("volunteering.volunteer"))
    return _handle_application(role)


@bp.route("/apply/<role_code>/pledge")
@requires(can_apply)
def pledge(role_code):
    """The pledge sentence for a start date (HTMX updates it as the date changes)."""
    role = _role_to_apply_for(role_code)
    if not request.htmx:
        return redirect_to(url_for("volunteering.apply", role_code=role.code))
    return render("volunteering/apply.html", block="pledge_text", role=role,
                  pledge_label=pledge_text(role, pledge_start(request.args.get("start_date"))))


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@requires(can_volunteer)
def edit_application(application_id):
    application = own_or_404(Application, application_id)
    if not application.is_open:
        flash(str(services.APPLICATION_CLOSED), "info")
        return redirect_to(url_for("volunteering.volunteer"))
    return _handle_application(application.volunteer_role, application)


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@requires(can_volunteer)
def withdraw(application_id):
    own_or_404(Application, application_id)
    here = url_for("volunteering.volunteer")
    return act(here, services.withdraw_application, current_user, application_id,
                   success=_("Your application has been withdrawn."))


@bp.route("/volunteer")
@requires(can_volunteer)
def volunteer():
    from ..matching.endings import decision_for
    from ..matching.services import volunteer_matches

    today = programme_today()
    applications, commitments = services.volunteer_overview(current_user.id)
    matches = volunteer_matches(current_user.id)
    # The matches waiting for a decision are among those just loaded, and their
    # commitments too: asking the database again would cost a query for nothing.
    decisions = sorted(filter(None, (decision_for(m, current_user, today) for m in matches)),
                       key=lambda decision: (decision.match.activated_at, decision.match.id))
    return render("volunteering/volunteer.html", applications=applications,
                  commitments=commitments, today=today,
                  may_renew=services.may_renew, may_end=services.may_end,
                  roles=services.roles_open_to(current_user), matches=matches,
                  decisions=decisions)


def _commitment_for_end(commitment_id):
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or not services.can_end(current_user, commitment):
        abort(404)
    return commitment


@bp.route("/commitments/<int:commitment_id>/end", methods=["GET", "POST"])
@requires(can_volunteer_or_coordinate)
def end_commitment(commitment_id):
    commitment = _commitment_for_end(commitment_id)
    form = EndCommitmentForm()
    if form.validate_on_submit():
        done = perform(services.end_early, current_user, commitment.id, form.reason.data,
                       form.note.data, programme_today(), end_matches=form.end_matches.data,
                       form=form,
                       success=_("The commitment has ended. Thank you for the time given."))
        if done:
            if commitment.user_id == current_user.id:
                return redirect_to(url_for("volunteering.volunteer"))
            return redirect_to(url_for("volunteering.coordinate_commitments"))
    from ..matching.services import live_matches_of_commitment

    return render("volunteering/end.html", status=form_status(form), form=form,
                  commitment=commitment, matches=live_matches_of_commitment(commitment.id))


@bp.route("/commitments/<int:commitment_id>/renew", methods=["POST"])
@requires(can_volunteer)
def renew(commitment_id):
    here = url_for("volunteering.volunteer")
    return act(here, services.renew, current_user, commitment_id, programme_today(),
                   success=_("Thank you for renewing your commitment!"))
