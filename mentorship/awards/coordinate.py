"""Coordinators run the award: cycles, jury, moving through the states, shortlists,
the tally and the chair's tie-breaks, and the review of citations before they are
published."""

from flask import abort, request, url_for
from flask_login import current_user

from ..accounts.models import ADMIN, COORDINATOR, User, UserRole
from ..dates import local_to_utc, programme_today, utc_to_local
from ..extensions import db
from ..formtools import choices
from ..i18n import gettext as _
from ..permissions import can_coordinate, requires
from ..web import (
    act,
    db_ids,
    db_int,
    flash_success,
    form_status,
    perform,
    redirect_to,
    refusal,
    render,
)
from . import bp, cycles, public, services
from .forms import JuryForm, ReviewForm, cycle_form
from .models import STATE_LABELS, AwardCategory, AwardCycle, Nomination, Vote

CYCLE_FIELDS = ("year", "nominations_open_on", "nominations_close_on", "voting_deadline",
                "ceremony_place", "shortlist_size")


def _jury_form(cycle, formdata=None):
    staff = db.session.scalars(db.select(User).join(UserRole).where(
        UserRole.role.in_((COORDINATOR, ADMIN)), services.named_account())
        .order_by(User.name).distinct()).all()
    form = JuryForm(formdata=formdata, data=None if formdata else {
        "jurors": [j.user_id for j in cycle.jurors], "chair": cycle.chair_id or 0})
    form.jurors.choices = choices((u.id, u.name) for u in staff)
    form.chair.choices = choices([(0, _("No chair yet"))] + [(u.id, u.name) for u in staff])
    return form


def _fields(form):
    values = {name: form[name].data for name in CYCLE_FIELDS}
    values["ceremony_at"] = local_to_utc(form.ceremony_at.data)
    values["descriptions"] = form.descriptions()
    return values


def _saved(cycle):
    """The form's data for a saved cycle."""
    return {**{name: getattr(cycle, name) for name in CYCLE_FIELDS},
            "ceremony_at": utc_to_local(cycle.ceremony_at),
            **{f"description_{code}": text for code, text in (cycle.descriptions or {}).items()}}


@bp.route("/coordinate/awards")
@requires(can_coordinate)
def coordinate_awards():
    items = db.session.scalars(db.select(AwardCycle).order_by(AwardCycle.year.desc())).all()
    return render("awards/coordinate.html", cycles=items, waiting=public.waiting_counts())


@bp.route("/coordinate/awards/new", methods=["GET", "POST"])
@requires(can_coordinate)
def new_cycle():
    form = cycle_form()
    if form.validate_on_submit():
        done = perform(cycles.create_cycle, current_user, **_fields(form), form=form,
                       success=_("The award cycle is created."))
        if done:
            return redirect_to(url_for("awards.cycle", cycle_id=done.result.id))
    return render("awards/edit_cycle.html", status=form_status(form), form=form, cycle=None)


def _cycle_or_404(cycle_id):
    return db.session.get(AwardCycle, cycle_id) or abort(404)


@bp.route("/coordinate/awards/<int:cycle_id>", methods=["GET", "POST"])
@requires(can_coordinate)
def cycle(cycle_id):
    cycle = _cycle_or_404(cycle_id)
    form = cycle_form(data=None if request.method == "POST" else _saved(cycle))
    if form.validate_on_submit():
        done = perform(cycles.update_cycle, current_user, cycle, **_fields(form), form=form,
                       success=_("The award cycle is saved."))
        if done:
            return redirect_to(url_for("awards.cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, form=form, status=form_status(form))


def _cycle_page(cycle, form=None, status=200, jury_form=None):
    grouped = services.nominations_by_nominee(cycle)
    shortlisted = public.shortlisted_pairs(cycle)
    results_visible = cycle.results_visible(programme_today())
    tallies = {c.id: services.tally(c) for c in cycle.categories} if results_visible else {}
    names = {u.id: u.name for u in db.session.scalars(db.select(User).where(User.id.in_(
        {row[0] for t in tallies.values() for row in t["rows"]} or {0})))}
    votes_cast = db.session.scalar(db.select(db.func.count()).select_from(Vote).join(
        AwardCategory).where(AwardCategory.cycle_id == cycle.id))
    return render("awards/cycle.html", status=status, cycle=cycle,
                  form=form or cycle_form(data=_saved(cycle)),
                  jury_form=jury_form or _jury_form(cycle), grouped=grouped,
                  shortlisted=shortlisted, tallies=tallies, names=names,
                  votes_cast=votes_cast, results_visible=results_visible,
                  state_labels=STATE_LABELS, consented=public.consented(cycle),
                  waiting=public.waiting_counts().get(cycle.id, 0))


@bp.route("/coordinate/awards/<int:cycle_id>/jury", methods=["POST"])
@requires(can_coordinate)
def jury(cycle_id):
    cycle = _cycle_or_404(cycle_id)
    form = _jury_form(cycle, request.form)
    if form.validate_on_submit():
        done = perform(cycles.set_jury, current_user, cycle, form.jurors.data,
                       form.chair.data or None, form=form, success=_("The jury is saved."))
        if done:
            return redirect_to(url_for("awards.cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, status=422, jury_form=form)


@bp.route("/coordinate/awards/<int:cycle_id>/advance", methods=["POST"])
@requires(can_coordinate)
def advance(cycle_id):
    _cycle_or_404(cycle_id)
    location = url_for("awards.cycle", cycle_id=cycle_id)
    done = perform(cycles.advance, current_user, cycle_id, programme_today())
    if not done:
        return refusal(done, location)
    flash_success(_("Now: %(state)s.", state=done.result.state_label))
    return redirect_to(location)


@bp.route("/coordinate/awards/categories/<int:category_id>/shortlist", methods=["POST"])
@requires(can_coordinate)
def shortlist(category_id):
    category = db.session.get(AwardCategory, category_id) or abort(404)
    ids = db_ids(request.form.getlist("nominee"))
    location = url_for("awards.cycle", cycle_id=category.cycle_id)
    return act(location, services.shortlist, current_user, category.id, ids,
                   success=_("Shortlist saved."))


@bp.route("/coordinate/awards/categories/<int:category_id>/tie-break", methods=["POST"])
@requires(can_coordinate)
def tie_break(category_id):
    category = db.session.get(AwardCategory, category_id) or abort(404)
    location = url_for("awards.cycle", cycle_id=category.cycle_id)
    return act(location, services.chair_decides, current_user, category.id,
                   request.form.get("nominee", type=db_int), request.form.get("reason"),
                   success=_("The chair's choice is recorded."))


# Citations reviewed before they are published ---------------------------------------


def _review_form(nomination, formdata=None):
    return ReviewForm(formdata=formdata, prefix=f"review-{nomination.id}", data=None if formdata
                      else {"public_citation": nomination.public_citation or nomination.citation})


def _citations_page(cycle, status=200, posted=None):
    """The cycle's citations: to review (shortlisted nominees first), then reviewed."""
    to_review, reviewed = public.citations(cycle)
    forms = {n.id: _review_form(n) for n in to_review + reviewed}
    if posted is not None:
        forms[posted[0]] = posted[1]
    return render("awards/citations.html", status=status, cycle=cycle, to_review=to_review,
                  reviewed=reviewed, forms=forms)


@bp.route("/coordinate/awards/<int:cycle_id>/citations")
@requires(can_coordinate)
def citations(cycle_id):
    return _citations_page(_cycle_or_404(cycle_id))


@bp.route("/coordinate/awards/nominations/<int:nomination_id>/review", methods=["POST"])
@requires(can_coordinate)
def review(nomination_id):
    nomination = db.session.get(Nomination, nomination_id) or abort(404)
    cycle_id = nomination.cycle_id
    form = _review_form(nomination, request.form)
    status = 422
    if form.validate_on_submit():
        done = perform(public.review_citation, current_user, nomination.id,
                       form.public_citation.data, form=form,
                       success=_("The text is approved for the public page."))
        if done and request.htmx:
            return _citations_page(_cycle_or_404(cycle_id))
        if done:
            return redirect_to(url_for("awards.citations", cycle_id=cycle_id))
        status = done.error.status
    return _citations_page(_cycle_or_404(cycle_id), status=status,
                           posted=(nomination_id, form))
