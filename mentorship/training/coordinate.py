"""The coordinator's side of training: modules, sessions, attendance, certificates."""

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..dates import utc_to_local
from ..extensions import db
from ..formtools import attach_error
from ..permissions import can_coordinate, requires
from ..web import flash_success, form_status, htmx_message, redirect_to, render
from . import bp, services
from .forms import ModuleForm, RevokeForm, SessionForm
from .models import ATTENDED, NO_SHOW, Certificate, Enrollment, TrainingModule, TrainingSession


@bp.route("/coordinate/training")
@requires(can_coordinate)
def coordinate_training():
    return render("training/coordinate_training.html", overview=services.module_overview())


@bp.route("/coordinate/training/modules/new", methods=["GET", "POST"])
@bp.route("/coordinate/training/modules/<int:module_id>/edit", methods=["GET", "POST"])
@requires(can_coordinate)
def edit_module(module_id=None):
    module = db.session.get(TrainingModule, module_id) if module_id else None
    if module_id and module is None:
        abort(404)
    data = None
    if module is not None and request.method == "GET":
        data = {"title": module.title, "summary": module.summary, "content": module.content,
                "kind": module.kind, "duration_minutes": module.duration_minutes,
                "quiz_source": module.quiz_source, "pass_mark": module.pass_mark}
        data.update({f"role_{link.role}": "required" if link.required else "optional"
                     for link in module.roles})
    form = ModuleForm(data=data or ({"pass_mark": 80, "duration_minutes": 120}
                                    if request.method == "GET" else None))
    if form.validate_on_submit():
        try:
            module = services.save_module(
                current_user, module, title=form.title.data, summary=form.summary.data,
                content=form.content.data, kind=form.kind.data,
                duration_minutes=form.duration_minutes.data, quiz_source=form.quiz_source.data,
                pass_mark=form.pass_mark.data, requirements=form.requirements())
        except services.TrainingError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash_success(_("The module is saved."))
            return redirect_to(url_for("training.coordinate_training"))
    preview = services.render_markdown(form.content.data) if form.content.data else None
    return render("training/edit_module.html", status=form_status(form), form=form,
                  module=module, preview=preview)


@bp.route("/coordinate/training/modules/<int:module_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/coordinate/training/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@requires(can_coordinate)
def edit_session(module_id=None, session_id=None):
    session = db.session.get(TrainingSession, session_id) if session_id else None
    module = session.module if session else db.session.get(TrainingModule, module_id)
    if module is None or (session_id and session is None):
        abort(404)
    data = None
    if session is not None and request.method == "GET":
        data = {"starts_at": utc_to_local(session.starts_at),
                "ends_at": utc_to_local(session.ends_at), "place": session.place,
                "video_link": session.video_link, "capacity": session.capacity}
    form = SessionForm(data=data)
    if form.validate_on_submit():
        try:
            services.save_session(
                current_user, session, module, starts_local=form.starts_at.data,
                ends_local=form.ends_at.data, place=form.place.data,
                video_link=form.video_link.data, capacity=form.capacity.data)
        except services.TrainingError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash_success(_("The session is saved."))
            return redirect_to(url_for("training.coordinate_training"))
    return render("training/edit_session.html", status=form_status(form), form=form,
                  module=module, session=session)


@bp.route("/coordinate/training/sessions/<int:session_id>")
@requires(can_coordinate)
def attendance(session_id):
    session = db.session.get(TrainingSession, session_id) or abort(404)
    return render("training/attendance.html", session=session,
                  roster=services.session_roster(session.id),
                  taken=services.seats_taken(session.id))


@bp.route("/coordinate/training/sessions/<int:session_id>/attendance", methods=["POST"])
@requires(can_coordinate)
def mark_attendance(session_id):
    """Marks come as mark-<enrollment id>=attended|no_show (one row or the whole list)."""
    marks = {}
    for key, value in request.form.items():
        if key.startswith("mark-") and key[5:].isdecimal() and value in (ATTENDED, NO_SHOW):
            marks[int(key[5:])] = value
    try:
        if not marks:
            raise services.TrainingError(_("Please choose attended or did not come."))
        changed = services.mark_attendance(current_user, session_id, marks)
    except services.TrainingError as error:
        db.session.rollback()
        if request.htmx:
            return htmx_message(str(error), "error", 409)
        flash(str(error), "error")
        return redirect_to(url_for("training.attendance", session_id=session_id))
    db.session.commit()
    if request.htmx and len(marks) == 1:
        enrollment = db.session.get(Enrollment, next(iter(marks)))
        return render("training/attendance.html", block="roster_row", enrollment=enrollment,
                      session=enrollment.session,
                      message=_("Saved for %(name)s.", name=enrollment.user.name))
    flash_success(ngettext("%(num)d mark saved.", "%(num)d marks saved.", len(changed)))
    return redirect_to(url_for("training.attendance", session_id=session_id))


@bp.route("/coordinate/training/certificates")
@requires(can_coordinate)
def certificates():
    return render("training/certificates.html",
                  page=services.certificates_page(request.args.get("page", 1, type=int)),
                  form=RevokeForm())


@bp.route("/coordinate/training/certificates/<int:certificate_id>/revoke",
          methods=["GET", "POST"])
@requires(can_coordinate)
def revoke(certificate_id):
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(current_user, certificate.id, form.reason.data)
        except services.TrainingError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash_success(_("The certificate is revoked."))
            return redirect_to(url_for("training.certificates"))
    return render("training/revoke.html", status=form_status(form), form=form,
                  certificate=certificate)


@bp.route("/coordinate/training/modules/<int:module_id>/past")
@requires(can_coordinate)
def past_sessions(module_id):
    module = db.session.get(TrainingModule, module_id) or abort(404)
    return render("training/past_sessions.html", module=module,
                  sessions=services.past_sessions(module.id))
