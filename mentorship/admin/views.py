from flask import abort, flash, request, url_for
from flask_login import current_user

from ..accounts.models import GRANTABLE_ROLES, ROLE_LABELS, ROLES, User, UserRole
from ..accounts.services import grant_role, remove_role
from ..audit.services import audit_page
from ..extensions import db
from ..formtools import choices
from ..i18n import gettext as _
from ..permissions import can_administer, requires
from ..programme.services import active_neighbourhoods, get_settings, update_settings
from ..volunteering import services as volunteering
from ..volunteering.forms import RoleSettingsForm
from ..web import db_int, form_status, perform, redirect_to, refusal, render
from . import bp, services
from .forms import DisableForm, PeopleSearchForm, SettingsForm
from .lists import people_page


@bp.route("")
@requires(can_administer)
def index():
    return render("admin/index.html")


PER_PAGE = 25


@bp.route("/people")
@requires(can_administer)
def people():
    form = PeopleSearchForm(request.args)
    form.role.choices = choices([("", _("All roles"))] + [(r, ROLE_LABELS[r]) for r in ROLES])
    page = people_page(q=form.q.data, role=form.role.data, state=form.state.data,
                       page=request.args.get("page", 1, type=db_int), per_page=PER_PAGE)
    # A row links to the person's own page, where their roles and account change (no
    # forms per row: 25 rows of them weighed 100 KB); the list's filters travel along so
    # the admin comes back to the list as they left it.
    back = {"q": form.q.data or None, "filter_role": form.role.data or None,
            "filter_state": form.state.data or None,
            "page": page.page if page.page > 1 else None}
    # The rows' links differ only by the person's id: what url_for writes around it is
    # written once (a url_for per row cost more than the rest of the row).
    path, _mark, query = url_for("admin.person", user_id=0, **back).partition("?")
    # Each label translated once, not once per row.
    role_labels = {role: str(label) for role, label in ROLE_LABELS.items()}
    return render("admin/people.html", form=form, page=page, role_labels=role_labels,
                  person_path=path.removesuffix("0"), back_query=f"?{query}" if query else "")


# What the list's filters are called when they travel with a person's forms.
BACK_VALUES = ("q", "filter_role", "filter_state", "page")


@bp.route("/people/<int:user_id>")
@requires(can_administer)
def person(user_id):
    person = db.session.get(User, user_id) or abort(404)
    return render("admin/person.html", person=person, **_person_context())


def _person_context(failed=None):
    """What the roles and account of a person need; ``failed``: a disable form sent
    back with its errors (shown open)."""
    back = {name: request.values.get(name) for name in BACK_VALUES
            if request.values.get(name)}
    return dict(grantable=GRANTABLE_ROLES, role_labels=ROLE_LABELS, failed=failed,
                disable_form=_disable_form, back=back, back_url=_back_to_people())


def _disable_form(person, formdata=None):
    # The prefix gives the field an id of its own (several people's forms never share one).
    return DisableForm(formdata=formdata, prefix=f"person-{person.id}")


def _admin_region(person, status=200, failed=None):
    return render("admin/person.html", status=status, block="person_admin", person=person,
                  **_person_context(failed))


def _back_to_people():
    """The people list as the admin left it (the filters travel with the person's forms)."""
    values = request.values
    return url_for("admin.people", q=values.get("q") or None,
                   role=values.get("filter_role") or None,
                   state=values.get("filter_state") or None,
                   page=values.get("page", type=db_int) or None)


def _changed(person, back_to_person=False):
    """After a change to one person: their roles and account again (HTMX); else their page
    (``back_to_person``: a role changed there, another may follow) or the list."""
    if request.htmx:
        return _admin_region(person)
    if back_to_person:
        back = {name: request.values.get(name) for name in BACK_VALUES
                if request.values.get(name)}
        return redirect_to(url_for("admin.person", user_id=person.id, **back))
    return redirect_to(_back_to_people())


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
    return _changed(person, back_to_person=True)


@bp.route("/people/<int:user_id>/disable", methods=["GET", "POST"])
@requires(can_administer)
def disable(user_id):
    person = db.session.get(User, user_id) or abort(404)
    form = _disable_form(person, formdata=request.form if request.method == "POST" else None)
    status = 200
    if form.validate_on_submit():
        done = perform(services.disable_account, current_user, person.id, form.reason.data,
                       form=form, success=_("The account of %(name)s is disabled: they are "
                                            "logged out everywhere and get no more emails.",
                                            name=person.name))
        if done:
            return _changed(person)
        if done.error.field is None:
            # Not about what was typed (yourself, the last administrator, already done).
            flash(str(done.error), "error")
            return refusal(done, _back_to_people())
        status = done.error.status
    elif request.method == "POST":
        status = 422
    if request.htmx:
        return _admin_region(person, status=status, failed=form)
    return render("admin/disable.html", status=status, person=person, form=form,
                  back=_back_to_people())


@bp.route("/people/<int:user_id>/enable", methods=["POST"])
@requires(can_administer)
def enable(user_id):
    person = db.session.get(User, user_id) or abort(404)
    done = perform(services.enable_account, current_user, person.id,
                   success=_("The account of %(name)s is enabled again.", name=person.name))
    if not done:
        return refusal(done, _back_to_people())
    return _changed(person)


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
    # Their names only (as a User each, their roles would cost a query more). IN over the
    # few staff role rows (ix_user_roles_role), not EXISTS per user: that read every user.
    staff = db.select(UserRole.user_id).where(UserRole.role.in_(("admin", "coordinator")))
    actors = db.session.execute(
        db.select(User.id, User.name).where(User.id.in_(staff)).order_by(User.name)
    ).all()
    return render("admin/audit.html", page=page, actors=actors, actor_id=actor_id,
                  record_type=record_type, record_id=record_id)


@bp.route("/audit/<int:event_id>")
@requires(can_administer)
def audit_event(event_id):
    """One event in full: the list cuts long messages (a decision's reason, say)."""
    from ..audit.models import AuditEvent

    event = db.session.get(AuditEvent, event_id) or abort(404)
    return render("admin/audit_event.html", event=event)


@bp.route("/roles", methods=["GET", "POST"])
@requires(can_administer)
def roles():
    all_roles = volunteering.all_roles()
    form = RoleSettingsForm(data=None if request.method == "POST" else {
        "roles": [{"code": r.code, "min_months": r.min_months, "capacity": r.capacity,
                   "open_to_newcomers": r.open_to_newcomers} for r in all_roles]})
    by_code = {role.code: role for role in all_roles}
    if form.validate_on_submit():
        changes = [(by_code.get(entry.form.code.data) or abort(400),
                    entry.form.min_months.data, entry.form.capacity.data,
                    entry.form.open_to_newcomers.data)
                   for entry in form.roles.entries]
        done = perform(_update_roles, current_user, changes, form=form,
                       success=_("Volunteer roles saved."))
        if done:
            return redirect_to(url_for("admin.roles"))
    return render("admin/roles.html", status=form_status(form), form=form, by_code=by_code)


def _update_roles(actor, changes):
    """Every role's settings in one change: one refused role saves none of them."""
    for role, min_months, capacity, open_to_newcomers in changes:
        volunteering.update_role_settings(actor, role, min_months=min_months,
                                          capacity=capacity,
                                          open_to_newcomers=open_to_newcomers)
