"""The volunteer's side of training, calendars, and the public certificate check."""

from flask import Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..permissions import (
    can_coordinate,
    can_volunteer,
    can_volunteer_or_coordinate,
    is_logged_in,
    requires,
)
from ..qr import qr_data_uri
from ..web import flash_success, htmx_message, redirect_to, render, safe_next
from . import bp, services
from .models import Certificate, Enrollment, TrainingModule, TrainingSession


@bp.route("/training")
@requires(can_volunteer_or_coordinate)
def training():
    plan = services.progress_for(current_user) if can_volunteer(current_user) else []
    feed = services.existing_calendar_feed(current_user) if plan else None
    modules = services.all_modules() if can_coordinate(current_user) else []
    return render("training/training.html", plan=plan, feed=feed, modules=modules,
                  may_train=services.may_train(current_user))


def _module_or_404(module_id):
    return db.session.get(TrainingModule, module_id) or abort(404)


@bp.route("/training/modules/<int:module_id>")
@requires(can_volunteer_or_coordinate)
def module(module_id):
    module = _module_or_404(module_id)
    plan = services.progress_for(current_user)
    sessions = next((item["sessions"] for role in plan for item in role["items"]
                     if item["module"].id == module.id), [])
    completion = next((item["completion"] for role in plan for item in role["items"]
                       if item["module"].id == module.id), None)
    return render("training/module.html", module=module, content=services.render_markdown(
        module.content), sessions=sessions, completion=completion,
        may_train=services.may_train(current_user))


@bp.route("/training/modules/<int:module_id>/quiz", methods=["GET", "POST"])
@requires(can_volunteer)
def quiz(module_id):
    module = _module_or_404(module_id)
    if not module.has_quiz:
        abort(404)
    attempt, answers, missing = None, {}, []
    if request.method == "POST":
        for index in range(len(module.quiz)):
            value = request.form.get(f"q{index}", "")
            if value.isdecimal():
                answers[index] = int(value)
            else:
                missing.append(index)
        if not missing:
            try:
                attempt = services.submit_quiz(current_user, module, answers)
            except services.TrainingError as error:
                db.session.rollback()
                flash(str(error), "error")
                return redirect_to(url_for("training.module", module_id=module.id))
            db.session.commit()
    status = 422 if missing else 200
    return render("training/quiz.html", status=status, module=module, attempt=attempt,
                  answers=answers, missing=missing)


def _session_or_404(session_id):
    return db.session.get(TrainingSession, session_id) or abort(404)


def _session_row(session, message=None):
    taken = services.seats_taken(session.id)
    enrollment = db.session.scalar(db.select(Enrollment).where(
        Enrollment.session_id == session.id, Enrollment.user_id == current_user.id))
    return render("training/_session_row.html", session=session, taken=taken,
                  enrollment=enrollment, message=message, may_train=True)


@bp.route("/training/sessions/<int:session_id>/enrol", methods=["POST"])
@requires(can_volunteer)
def enrol(session_id):
    session = _session_or_404(session_id)
    try:
        enrollment = services.enrol(current_user, session.id)
    except services.TrainingError as error:
        db.session.rollback()
        if request.htmx:
            return htmx_message(str(error), "error", 409)
        flash(str(error), "error")
        return redirect_to(url_for("training.training"))
    db.session.commit()
    if enrollment.status == "waitlisted":
        message = _("The session is full: you are on the waiting list. We will email you if a "
                    "seat frees up.")
    else:
        message = _("You are enrolled.")
    if request.htmx:
        return _session_row(session, message)
    flash_success(message)
    return redirect_to(safe_next(request.form.get("next"), default="training.training"))


@bp.route("/training/enrolments/<int:enrollment_id>/cancel", methods=["POST"])
@requires(can_volunteer)
def cancel(enrollment_id):
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.user_id != current_user.id:
        abort(404)
    session = enrollment.session
    try:
        services.cancel(current_user, enrollment_id)
    except services.TrainingError as error:
        db.session.rollback()
        if request.htmx:
            return htmx_message(str(error), "error", 409)
        flash(str(error), "error")
        return redirect_to(url_for("training.training"))
    db.session.commit()
    message = _("Your place is cancelled.")
    if request.htmx:
        return _session_row(session, message)
    flash_success(message)
    return redirect_to(safe_next(request.form.get("next"), default="training.training"))


def _ics(body, filename):
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/training/sessions/<int:session_id>.ics")
@requires(can_volunteer_or_coordinate)
def session_ics(session_id):
    session = _session_or_404(session_id)
    if not (can_coordinate(current_user) or services.may_train(current_user)):
        abort(404)
    return _ics(services.to_ical([session], session.module.title), f"session-{session.id}.ics")


@bp.route("/training/calendar/<token>.ics")
def calendar(token):
    user = services.user_for_calendar_token(token)
    if user is None:
        abort(404)
    return _ics(services.to_ical(services.sessions_for_calendar(user), _("My training"),
                                 waiting=services.waiting_session_ids(user)), "training.ics")


@bp.route("/training/calendar/reset", methods=["POST"])
@requires(is_logged_in)
def reset_calendar():
    had_one = services.existing_calendar_feed(current_user) is not None
    services.reset_calendar_feed(current_user)
    db.session.commit()
    if had_one:
        flash_success(_("Your calendar address has changed. The old address no longer works."))
    else:
        flash_success(_("Your private calendar address is ready."))
    return redirect_to(url_for("training.training") + "#calendar")


def _certificate_or_404(code):
    certificate = db.session.scalar(db.select(Certificate).where(Certificate.code == code))
    return certificate or abort(404)


@bp.route("/certificates/<code>")
def verify_certificate(code):
    certificate = _certificate_or_404(code)
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
