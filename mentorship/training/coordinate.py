"""The coordinator's side of training: modules, sessions, attendance, certificates."""

from flask import abort, request, url_for
from flask_login import current_user

from ..database import utcnow
from ..dates import utc_to_local
from ..extensions import db
from ..formtools import filter_values
from ..i18n import gettext as _
from ..i18n import ngettext
from ..messaging.models import SESSION_ENROLLED, SESSION_WAITLISTED
from ..permissions import can_coordinate, requires
from ..web import db_ids, db_int, flash_success, form_status, perform, redirect_to, refusal, render
from . import bp
from .forms import CertificateFilterForm, ModuleForm, RevokeForm, SessionForm
from .models import (
    ATTENDANCE_MARKS,
    DEFAULT_MODULE_MINUTES,
    DEFAULT_PASS_MARK,
    Certificate,
    Enrollment,
    TrainingModule,
    TrainingSession,
)
from .services import certification, content, progress, sessions


@bp.route("/coordinate/training")
@requires(can_coordinate)
def coordinate_training():
    return render("training/coordinate_training.html", overview=progress.module_overview())


@bp.route("/coordinate/training/modules/new", methods=["GET", "POST"])
@bp.route("/coordinate/training/modules/<int:module_id>/edit", methods=["GET", "POST"])
@requires(can_coordinate)
def edit_module(module_id=None):
    module = db.session.get(TrainingModule, module_id) if module_id is not None else None
    if module_id is not None and module is None:
        abort(404)
    data = None
    if request.method == "GET":
        data = {"pass_mark": DEFAULT_PASS_MARK, "duration_minutes": DEFAULT_MODULE_MINUTES}
        if module is not None:
            data = {"title": module.title, "summary": module.summary,
                    "content": module.content, "kind": module.kind,
                    "duration_minutes": module.duration_minutes,
                    "quiz_source": module.quiz_source, "pass_mark": module.pass_mark}
            data.update({f"role_{link.role}": module.requirement_for(link.role)
                         for link in module.roles})
    form = ModuleForm(data=data)
    if form.validate_on_submit():
        done = perform(
            content.save_module, current_user, module, title=form.title.data,
            summary=form.summary.data, content=form.content.data, kind=form.kind.data,
            duration_minutes=form.duration_minutes.data, quiz_source=form.quiz_source.data,
            pass_mark=form.pass_mark.data, requirements=form.requirements(), form=form,
            success=_("The module is saved."))
        if done:
            return redirect_to(url_for("training.coordinate_training"))
    preview = content.render_markdown(form.content.data) if form.content.data else None
    return render("training/edit_module.html", status=form_status(form), form=form,
                  module=module, preview=preview)


@bp.route("/coordinate/training/modules/<int:module_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/coordinate/training/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@requires(can_coordinate)
def edit_session(module_id=None, session_id=None):
    if session_id is not None:
        session = db.session.get(TrainingSession, session_id) or abort(404)
        module = session.module
    else:
        session, module = None, db.session.get(TrainingModule, module_id) or abort(404)
    data = None
    if session is not None and request.method == "GET":
        data = {"starts_at": utc_to_local(session.starts_at),
                "ends_at": utc_to_local(session.ends_at), "place": session.place,
                "video_link": session.video_link, "capacity": session.capacity}
    form = SessionForm(data=data)
    if form.validate_on_submit():
        done = perform(
            sessions.save_session, current_user, session, module,
            starts_local=form.starts_at.data, ends_local=form.ends_at.data,
            place=form.place.data, video_link=form.video_link.data,
            capacity=form.capacity.data, form=form, success=_("The session is saved."))
        if done:
            return redirect_to(url_for("training.coordinate_training"))
    return render("training/edit_session.html", status=form_status(form), form=form,
                  module=module, session=session)


@bp.route("/coordinate/training/sessions/<int:session_id>")
@requires(can_coordinate)
def attendance(session_id):
    session = db.session.get(TrainingSession, session_id) or abort(404)
    roster = sessions.session_roster(session.id)
    return render("training/attendance.html", session=session, roster=roster,
                  marking_open=session.attendance_open(utcnow()),
                  taken=sessions.seats_taken(session.id),
                  waiting=sum(1 for enrollment in roster if enrollment.is_waitlisted),
                  # The groups of /coordinate/messages that "write to these people" opens.
                  groups={"enrolled": SESSION_ENROLLED, "waiting": SESSION_WAITLISTED})


@bp.route("/coordinate/training/sessions/<int:session_id>/attendance", methods=["POST"])
@requires(can_coordinate)
def mark_attendance(session_id):
    """Marks come as mark-<enrollment id>=attended|no_show (one row or the whole list)."""
    marks = {}
    for key, value in request.form.items():
        ids = db_ids([key.removeprefix("mark-")]) if key.startswith("mark-") else []
        if ids and value in ATTENDANCE_MARKS:
            marks[ids[0]] = value
    done = perform(sessions.mark_attendance, current_user, session_id, marks)
    if not done:
        return refusal(done, url_for("training.attendance", session_id=session_id))
    if request.htmx and len(marks) == 1:
        enrollment = db.session.get(Enrollment, next(iter(marks)))
        flash_success(_("Saved for %(name)s.", name=enrollment.user.name))
        return render("training/attendance.html", block="roster_row", enrollment=enrollment,
                      session=enrollment.session, marking_open=True)
    flash_success(ngettext("%(num)d mark saved.", "%(num)d marks saved.", len(done.result)))
    return redirect_to(url_for("training.attendance", session_id=session_id))


@bp.route("/coordinate/training/certificates")
@requires(can_coordinate)
def certificates():
    form = CertificateFilterForm(request.args)
    filters = filter_values(form, ("q", "role", "state"))
    page = certification.certificates_page(
        filters["q"], role=filters["role"], state=filters["state"],
        page=request.args.get("page", 1, type=db_int))
    return render("training/certificates.html", form=form, filters=filters, page=page)


@bp.route("/coordinate/training/certificates/<int:certificate_id>/revoke",
          methods=["GET", "POST"])
@requires(can_coordinate)
def revoke(certificate_id):
    certificate = db.session.get(Certificate, certificate_id) or abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        done = perform(certification.revoke_certificate, current_user, certificate.id,
                       form.reason.data, form=form, success=_("The certificate is revoked."))
        if done:
            return redirect_to(url_for("training.certificates"))
    return render("training/revoke.html", status=form_status(form), form=form,
                  certificate=certificate)


@bp.route("/coordinate/training/modules/<int:module_id>/past")
@requires(can_coordinate)
def past_sessions(module_id):
    module = db.session.get(TrainingModule, module_id) or abort(404)
    return render("training/past_sessions.html", module=module,
                  page=sessions.past_sessions_page(
                      module.id, request.args.get("page", 1, type=db_int)))


@bp.route("/coordinate/training/modules/<int:module_id>/missing")
@requires(can_coordinate)
def missing(module_id):
    module = db.session.get(TrainingModule, module_id) or abort(404)
    return render("training/missing.html", module=module,
                  page=progress.missing_page(module.id, request.args.get("page", 1,
                                                                         type=db_int)))
