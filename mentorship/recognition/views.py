"""Volunteers' perks and passes, partners checking passes, the public thank-you page."""

from functools import partial

from flask import abort, request, url_for
from flask_login import current_user

from ..dates import programme_today
from ..extensions import limiter
from ..i18n import gettext as _
from ..permissions import can_volunteer, is_partner, own_or_404, requires
from ..qr import qr_data_uri
from ..reports.cache import remembered
from ..web import act, db_int, perform, redirect_to, refusal, render
from . import bp, services
from .forms import CheckPassForm
from .models import Pass


@bp.route("/perks")
@requires(can_volunteer)
def perks():
    today = programme_today()
    passes = services.my_passes(current_user.id)
    rows, facts = services.perks_for(current_user, today, passes)
    return render("recognition/perks.html", rows=rows, facts=facts, today=today,
                  passes=passes)


@bp.route("/perks/<int:perk_id>/claim", methods=["POST"])
@requires(can_volunteer)
def claim(perk_id):
    done = perform(services.claim, current_user, perk_id, programme_today(),
                   success=_("Your pass is ready. Show it at the entrance."))
    if not done:
        return refusal(done, url_for("recognition.perks"))
    return redirect_to(url_for("recognition.my_pass", pass_id=done.result.id))


@bp.route("/perks/passes/<int:pass_id>")
@requires(can_volunteer)
def my_pass(pass_id):
    found = own_or_404(Pass, pass_id)
    url = url_for("recognition.check_pass", code=found.code, _external=True)
    return render("recognition/pass.html", found=found, url=url, qr=qr_data_uri(url),
                  today=programme_today())


def _partner_pass(code):
    found = services.pass_for_partner(current_user, code)
    if found is None:
        abort(404)
    return found


@bp.route("/passes/<code>", methods=["GET"])
@limiter.limit("60 per minute", key_func=lambda: f"pass-check:{getattr(current_user, 'id', None)}")
def check_pass(code):
    if not current_user.is_authenticated:
        from ..extensions import login_manager

        return login_manager.unauthorized()
    if not is_partner(current_user):
        found = services.find_pass(code)
        if found is not None and found.user_id == current_user.id:
            return redirect_to(url_for("recognition.my_pass", pass_id=found.id))
        abort(404)
    found = _partner_pass(code)
    return render("recognition/check.html", found=found, today=programme_today())


@bp.route("/passes/<code>/redeem", methods=["POST"])
@requires(is_partner)
def redeem(code):
    found = _partner_pass(code)
    location = url_for("recognition.check_pass", code=found.code)
    return act(location, services.redeem, current_user, code, programme_today(),
                   success=_("Pass used. Welcome them in!"))


def _redeemed_by_month(venue_id):
    """The venue's passes used by month, the same for every staff member of the venue:
    kept until anything is written to the database (reports.cache.remembered)."""
    return remembered(("venue-passes-used-by-month", venue_id),
                      partial(services.redeemed_by_month, venue_id))


@bp.route("/partner")
@requires(is_partner)
def partner_home():
    venue = services.venue_of(current_user)
    form = CheckPassForm(request.args)
    if request.args.get("code") and form.validate():
        found = services.pass_for_partner(current_user, form.code.data)
        if found is not None:
            return redirect_to(url_for("recognition.check_pass", code=found.code))
        form.code.errors = [*form.code.errors, _("No pass of your venue has this code.")]
    page = request.args.get("page", 1, type=db_int)
    return render("recognition/partner.html", venue=venue, form=form,
                  status=422 if form.code.errors else 200,
                  by_month=_redeemed_by_month(venue.id) if venue else [],
                  used=services.redemptions(venue.id, page) if venue else None)


@bp.route("/thanks")
def thanks():
    page, people = services.public_thanks(programme_today(),
                                          request.args.get("page", 1, type=db_int))
    return render("recognition/thanks.html", page=page, people=people)
