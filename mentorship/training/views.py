"""The volunteer's side of training, calendars, and the public certificate check."""

from urllib.parse import urlsplit

from babel.lists import format_list
from flask import abort, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..extensions import db
from ..i18n import gettext as _
from ..permissions import (
    can_coordinate,
    can_volunteer,
    can_volunteer_or_coordinate,
    is_logged_in,
    own_or_404,
    requires,
)
from ..qr import qr_data_uri
from ..volunteering.models import ROLE_NAMES
from ..web import (
    attachment,
    db_int,
    flash_success,
    perform,
    redirect_to,
    refusal,
    render,
    safe_next,
)
from . import bp
from .models import Certificate, Enrollment, TrainingModule, TrainingSession
from .services import calendars, content, may_train, progress, quizzes, sessions


def role_list(roles):
    """Role names joined the way the reader's language lists things ("A, B and C")."""
    return format_list([str(ROLE_NAMES[role]) for role in roles], locale=get_locale())


@bp.route("/training")
@requires(can_volunteer_or_coordinate)
def training():
    plan = progress.progress_for(current_user) if can_volunteer(current_user) else None
    # A plan lists the roles of the commitments that let its holder train.
    trains = bool(plan["roles"]) if plan is not None else may_train(current_user)
    if plan is not None and not plan["roles"]:
        plan = None
    feed = calendars.existing_calendar_feed(current_user) if plan else None
    modules = content.all_modules() if can_coordinate(current_user) else []
    return render("training/training.html", plan=plan, feed=feed, modules=modules,
                  may_train=trains, role_list=role_list)


def _module_or_404(module_id):
    return db.session.get(TrainingModule, module_id) or abort(404)


@bp.route("/training/modules/<int:module_id>")
@requires(can_volunteer_or_coordinate)
def module(module_id):
    module = _module_or_404(module_id)
    item = progress.module_progress(current_user, module.id)
    return render("training/module.html", module=module,
                  content=content.render_markdown(module.content),
                  item=item, sessions=item["sessions"] if item else [],
                  completion=item["completion"] if item else None,
                  may_train=may_train(current_user), role_list=role_list)


@bp.route("/training/modules/<int:module_id>/quiz", methods=["GET", "POST"])
@requires(can_volunteer)
def quiz(module_id):
    module = _module_or_404(module_id)
    if not module.has_quiz:
        abort(404)
    attempt, answers, missing = None, {}, []
    if request.method == "POST":
        for index in range(len(module.quiz)):
            value = request.form.get(f"q{index}", type=db_int)
            if value is not None and value >= 0:
                answers[index] = value
            else:
                missing.append(index)
        if not missing:
            done = perform(quizzes.submit_quiz, current_user, module, answers)
            if not done:
                return refusal(done, url_for("training.module", module_id=module.id))
            attempt = done.result
    return render("training/quiz.html", status=422 if missing else 200, module=module,
                  attempt=attempt, answers=answers, missing=missing)


def _session_or_404(session_id):
    return db.session.get(TrainingSession, session_id) or abort(404)


def _after_seat_change(session):
    """HTMX swaps the session's row (the message rides along); otherwise back to the page."""
    if request.htmx:
        enrollment = db.session.scalar(db.select(Enrollment).where(
            Enrollment.session_id == session.id, Enrollment.user_id == current_user.id))
        # The swapped row's forms come back to the page it is on (training or module).
        page = urlsplit(request.htmx.current_url or "").path or None
        return render("training/_session_row.html", session=session,
                      taken=sessions.seats_taken(session.id), enrollment=enrollment,
                      may_train=True, back=safe_next(page, default="training.training"))
    return redirect_to(safe_next(request.form.get("next"), default="training.training"))


@bp.route("/training/sessions/<int:session_id>/enrol", methods=["POST"])
@requires(can_volunteer)
def enrol(session_id):
    session = _session_or_404(session_id)
    done = perform(sessions.enrol, current_user, session.id)
    if not done:
        return refusal(done, url_for("training.training"))
    if done.result.is_waitlisted:
        flash_success(_("The session is full: you are on the waiting list. We will email you "
                        "if a seat frees up."))
    else:
        flash_success(_("You are enrolled."))
    return _after_seat_change(session)


@bp.route("/training/enrolments/<int:enrollment_id>/cancel", methods=["POST"])
@requires(can_volunteer)
def cancel(enrollment_id):
    enrollment = own_or_404(Enrollment, enrollment_id)
    session = enrollment.session
    done = perform(sessions.cancel, current_user, enrollment_id,
                   success=_("Your place is cancelled."))
    if not done:
        return refusal(done, url_for("training.training"))
    return _after_seat_change(session)


@bp.route("/training/sessions/<int:session_id>.ics")
@requires(can_volunteer_or_coordinate)
def session_ics(session_id):
    session = _session_or_404(session_id)
    if not (can_coordinate(current_user) or may_train(current_user)):
        abort(404)
    return attachment(calendars.to_ical([session], session.module.title),
                      f"session-{session.id}.ics", "text/calendar")


@bp.route("/training/calendar/<token>.ics")
def calendar(token):
    user = calendars.user_for_calendar_token(token)
    if user is None:
        abort(404)
    body = calendars.to_ical(calendars.sessions_for_calendar(user), _("My training"),
                             waiting=calendars.waiting_session_ids(user))
    return attachment(body, "training.ics", "text/calendar")


@bp.route("/training/calendar/reset", methods=["POST"])
@requires(is_logged_in)
def reset_calendar():
    if calendars.existing_calendar_feed(current_user) is not None:
        message = _("Your calendar address has changed. The old address no longer works.")
    else:
        message = _("Your private calendar address is ready.")
    perform(calendars.reset_calendar_feed, current_user, success=message)
    return redirect_to(url_for("training.training") + "#calendar")


def _certificate_or_404(code):
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.code == code))
    return certificate or abort(404)


@bp.route("/certificates/<code>")
def verify_certificate(code):
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.code == code))
    if certificate is None:
        # Someone checking a certificate typed its address: say what to check (404).
        return render("training/verify.html", status=404, certificate=None, code=code)
    return render("training/verify.html", certificate=certificate)


@bp.route("/certificates/<code>/print")
@requires(is_logged_in)
def print_certificate(code):
    certificate = _certificate_or_404(code)
    if certificate.user_id != current_user.id and not can_coordinate(current_user):
        abort(404)
    url = url_for("training.verify_certificate", code=certificate.code, _external=True)
    return render("training/certificate.html", certificate=certificate, url=url,
                  qr=qr_data_uri(url))
