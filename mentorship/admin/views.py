from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_

from ..accounts.models import GRANTABLE_ROLES, ROLE_LABELS, ROLES, User, UserRole
from ..accounts.services import grant_role, remove_role
from ..audit.services import audit_page
from ..database import folded
from ..extensions import db
from ..formtools import choices
from ..permissions import can_administer, requires
from ..programme.services import active_neighbourhoods, get_settings, update_settings
from ..volunteering import services as volunteering
from ..volunteering.forms import RoleSettingsForm
from ..web import db_int, form_status, perform, redirect_to, refusal, render
from . import bp
from .forms import PeopleSearchForm, SettingsForm


@bp.route("")
@requires(can_administer)
def index():
    return render("admin/index.html")


@bp.route("/people")
@requires(can_administer)
def people():
    form = PeopleSearchForm(request.args)
    form.role.choices = choices([("", _("All roles"))] + [(r, ROLE_LABELS[r]) for r in ROLES])
    query = db.select(User).order_by(User.name, User.id)
    if form.q.data:
        pattern = f"%{form.q.data.strip().casefold()}%"
        query = query.where(or_(folded(User.name).like(pattern), User.email.like(pattern)))
    if form.role.data:
        query = query.where(User.roles.any(UserRole.role == form.role.data))
    page = db.paginate(query, page=request.args.get("page", 1, type=db_int), per_page=25,
                       error_out=False)
    return render("admin/people.html", form=form, page=page, grantable=GRANTABLE_ROLES,
                  role_labels=ROLE_LABELS)


@bp.route("/people/<int:user_id>/roles", methods=["POST"])
@requires(can_administer)
def change_role(user_id):
    person = db.session.get(User, user_id) or abort(404)
    change = {"grant": grant_role, "remove": remove_role}.get(request.form.get("action"))
    if change is None:
        abort(400)
    done = perform(change, current_user, person, request.form.get("role"),
                   success=_("Roles of %(name)s updated.", name=person.name))
    if not done:
        return refusal(done, url_for("admin.people"))
    if request.htmx:
        return render("admin/people.html", block="person_row", person=person,
                      grantable=GRANTABLE_ROLES, role_labels=ROLE_LABELS)
    return redirect_to(url_for("admin.people", q=request.form.get("q") or None,
                               role=request.form.get("filter_role") or None,
                               page=request.form.get("page", type=db_int) or None))


@bp.route("/settings", methods=["GET", "POST"])
@requires(can_administer)
def settings():
    current = get_settings()
    form = SettingsForm(
        data=None if request.method == "POST" else {
            "name": current.name,
            "contact_email": current.contact_email,
            "timezone": current.timezone,
            "default_locale": current.default_locale,
            "neighbourhoods": "\n".join(n.name for n in active_neighbourhoods()),
        }
    )
    if form.validate_on_submit():
        done = perform(
            update_settings,
            current_user,
            current,
            name=form.name.data.strip(),
            contact_email=form.contact_email.data.strip(),
            timezone=form.timezone.data.strip(),
            default_locale=form.default_locale.data,
            neighbourhoods=form.neighbourhoods.data.splitlines(),
            form=form,
            success=_("Programme settings saved."),
        )
        if done:
            return redirect_to(url_for("admin.settings"))
    return render("admin/settings.html", status=form_status(form), form=form)


@bp.route("/audit")
@requires(can_administer)
def audit():
    actor_id = request.args.get("actor", type=db_int)
    record_type = request.args.get("record_type") or None
    record_id = request.args.get("record_id", type=db_int)
    page = audit_page(actor_id=actor_id, record_type=record_type, record_id=record_id,
                      page=request.args.get("page", 1, type=db_int))
    actors = db.session.scalars(
        db.select(User).where(User.roles.any(UserRole.role.in_(("admin", "coordinator"))))
        .order_by(User.name)
    ).all()
    return render("admin/audit.html", page=page, actors=actors, actor_id=actor_id,
                  record_type=record_type, record_id=record_id)


@bp.route("/roles", methods=["GET", "POST"])
@requires(can_administer)
def roles():
    all_roles = volunteering.all_roles()
    form = RoleSettingsForm(data=None if request.method == "POST" else {
        "roles": [{"code": r.code, "min_months": r.min_months, "capacity": r.capacity}
                  for r in all_roles]})
    by_code = {role.code: role for role in all_roles}
    if form.validate_on_submit():
        changes = [(by_code.get(entry.form.code.data) or abort(400),
                    entry.form.min_months.data, entry.form.capacity.data)
                   for entry in form.roles.entries]
        done = perform(_update_roles, current_user, changes, form=form,
                       success=_("Volunteer roles saved."))
        if done:
            return redirect_to(url_for("admin.roles"))
    return render("admin/roles.html", status=form_status(form), form=form, by_code=by_code)


def _update_roles(actor, changes):
    """Every role's settings in one change: one refused role saves none of them."""
    for role, min_months, capacity in changes:
        volunteering.update_role_settings(actor, role, min_months=min_months,
                                          capacity=capacity)
