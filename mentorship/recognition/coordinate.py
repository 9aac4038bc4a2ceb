"""Coordinators manage perks and passes; admins manage partner venues."""

from flask import abort, request, url_for
from flask_login import current_user

from ..dates import programme_today
from ..extensions import db
from ..formtools import filter_values
from ..i18n import gettext as _
from ..permissions import can_administer, can_coordinate, requires
from ..reports.cache import remembered
from ..web import act, db_int, form_status, perform, redirect_to, render
from . import bp, services
from .forms import PartnerForm, PassFilterForm, RevokePassForm, StaffForm, perk_form_class
from .models import PASS_STATE_LABELS, Partner, Pass, Perk


@bp.route("/coordinate/perks")
@requires(can_coordinate)
def overview():
    # The figures by month are the same for every coordinator: kept until anything is
    # written to the database (reports.cache.remembered).
    months = remembered(("perk-claims-by-month",), services.claims_by_month)
    return render("recognition/overview.html", perks=services.overview(), months=months,
                  overview_months=services.OVERVIEW_MONTHS)


PASS_FILTERS = ("volunteer", "perk", "state")


@bp.route("/coordinate/perks/passes")
@requires(can_coordinate)
def passes():
    today = programme_today()
    perks = services.perk_choices()
    form = PassFilterForm(request.args, perks=perks)
    filters = filter_values(form, PASS_FILTERS)
    page = services.passes(
        today=today, volunteer=filters["volunteer"],
        perk_id=int(filters["perk"]) if filters["perk"] else None, state=filters["state"],
        page=request.args.get("page", 1, type=db_int))
    return render("recognition/passes.html", form=form, filters=filters, page=page,
                  today=today, perk_titles=dict(perks),
                  state_labels={state: str(label) for state, label in PASS_STATE_LABELS.items()})


@bp.route("/coordinate/perks/new", methods=["GET", "POST"])
@bp.route("/coordinate/perks/<int:perk_id>/edit", methods=["GET", "POST"])
@requires(can_coordinate)
def edit_perk(perk_id=None):
    perk = db.session.get(Perk, perk_id) if perk_id else None
    if perk_id and perk is None:
        abort(404)
    partners = db.session.scalars(db.select(Partner).order_by(Partner.name)).all()
    data = None
    if perk is not None and request.method == "GET":
        data = {"partner": str(perk.partner_id), "kind": perk.kind, "stock": perk.stock,
                "per_volunteer": perk.per_volunteer, "valid_from": perk.valid_from,
                "valid_until": perk.valid_until, "min_hours": perk.min_hours,
                "min_months": perk.min_months,
                "certificate_required": perk.certificate_required, "roles": perk.roles}
        data.update({f"title_{k}": v for k, v in (perk.titles or {}).items()})
        data.update({f"description_{k}": v for k, v in (perk.descriptions or {}).items()})
    form = perk_form_class()(data=data, partners=partners)
    if form.validate_on_submit():
        done = perform(
            services.save_perk,
            current_user, perk, partner_id=int(form.partner.data), kind=form.kind.data,
            titles=form.texts("title"), descriptions=form.texts("description"),
            stock=form.stock.data, per_volunteer=form.per_volunteer.data,
            valid_from=form.valid_from.data, valid_until=form.valid_until.data,
            min_hours=form.min_hours.data, min_months=form.min_months.data,
            certificate_required=form.certificate_required.data, roles=form.roles.data,
            form=form, success=_("The perk is saved."))
        if done:
            return redirect_to(url_for("recognition.overview"))
    return render("recognition/edit_perk.html", status=form_status(form), form=form,
                  perk=perk, partners=partners)


@bp.route("/coordinate/perks/<int:perk_id>/pause", methods=["POST"])
@requires(can_coordinate)
def pause(perk_id):
    paused = request.form.get("paused") == "1"
    return act(url_for("recognition.overview"), services.set_paused, current_user, perk_id, paused,
                   success=_("New claims are paused.") if paused else _("Claims are open again."))


@bp.route("/coordinate/perks/passes/<int:pass_id>/revoke", methods=["GET", "POST"])
@requires(can_coordinate)
def revoke(pass_id):
    found = db.session.get(Pass, pass_id) or abort(404)
    form = RevokePassForm()
    if form.validate_on_submit():
        returning = form.return_to_stock.data
        done = perform(services.revoke, current_user, found.id, form.reason.data,
                       return_to_stock=returning, form=form,
                       success=_("The pass is revoked and back in the stock.") if returning
                       else _("The pass is revoked; the stock stays as it was."))
        if done:
            return redirect_to(url_for("recognition.passes"))
    return render("recognition/revoke.html", status=form_status(form), form=form, found=found)


@bp.route("/admin/partners")
@requires(can_administer)
def partners():
    rows = db.session.scalars(db.select(Partner).options(
        db.selectinload(Partner.staff)).order_by(Partner.name)).all()
    return render("recognition/partners.html", partners=rows)


@bp.route("/admin/partners/new", methods=["GET", "POST"])
@bp.route("/admin/partners/<int:partner_id>", methods=["GET", "POST"])
@requires(can_administer)
def edit_partner(partner_id=None):
    partner = db.session.get(Partner, partner_id) if partner_id else None
    if partner_id and partner is None:
        abort(404)
    form = PartnerForm(obj=partner if request.method == "GET" else None)
    if form.validate_on_submit():
        done = perform(services.save_partner, current_user, partner, name=form.name.data,
                       kind=form.kind.data, address=form.address.data,
                       website=form.website.data, form=form, success=_("The venue is saved."))
        if done:
            return redirect_to(url_for("recognition.edit_partner", partner_id=done.result.id))
    return render("recognition/edit_partner.html", status=form_status(form), form=form,
                  partner=partner, staff_form=StaffForm(formdata=None))


@bp.route("/admin/partners/<int:partner_id>/staff", methods=["POST"])
@requires(can_administer)
def add_staff(partner_id):
    partner = db.session.get(Partner, partner_id) or abort(404)
    staff_form = StaffForm()
    if staff_form.validate_on_submit():
        done = perform(services.add_staff, current_user, partner, staff_form.email.data,
                       form=staff_form, success=_("The staff member can now check passes."))
        if done:
            return redirect_to(url_for("recognition.edit_partner", partner_id=partner.id))
    return render("recognition/edit_partner.html", status=422, form=PartnerForm(obj=partner),
                  partner=partner, staff_form=staff_form)


@bp.route("/admin/partners/<int:partner_id>/staff/<int:user_id>/remove", methods=["POST"])
@requires(can_administer)
def remove_staff(partner_id, user_id):
    partner = db.session.get(Partner, partner_id) or abort(404)
    location = url_for("recognition.edit_partner", partner_id=partner.id)
    return act(location, services.remove_staff, current_user, partner, user_id,
                   success=_("Removed from the venue."))
