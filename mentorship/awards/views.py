"""The award for everyone: the current cycle, nominating, declining, agreeing (or not) to
appear on the public page, voting, past years."""

from collections import defaultdict
from contextlib import suppress

from flask import abort, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from ..accounts.models import User
from ..dates import programme_today
from ..extensions import db
from ..formtools import choices
from ..i18n import gettext as _
from ..i18n import ngettext
from ..permissions import is_logged_in, requires
from ..web import act, db_int, form_status, perform, redirect_to, refusal, render
from . import bp, public, services
from .forms import NominationForm
from .models import (
    ANNOUNCED,
    COMMENT_MAX,
    SCORE_MAX,
    SCORE_MIN,
    AwardCycle,
    Shortlisted,
    Vote,
)


def _nomination_form(cycle, formdata=None, query=""):
    form = NominationForm(formdata=formdata)
    form.category.choices = choices([("", _("Choose a category"))] + [
        (str(c.id), c.label) for c in cycle.categories
        if c.open_to(current_user)])
    listed = services.NOMINEE_RESULTS
    people, total = services.nominee_choices(cycle, query or "", limit=listed,
                                             excluding=current_user.id)
    if total > listed:  # say so, and how many, rather than stop silently at the limit
        form.nominee.description = ngettext(
            "Showing %(shown)d of %(num)d volunteer: type more of the name in the search "
            "above to find someone else.",
            "Showing %(shown)d of %(num)d volunteers: type more of the name in the search "
            "above to find someone else.",
            total, shown=listed)
    form.nominee.choices = choices([("", _("Choose a volunteer"))] + [
        (str(p.id), p.name) for p in people])
    if formdata is not None and form.nominee.data and form.nominee.data not in {
            str(p.id) for p in people}:
        # Keep the chosen person selectable even if the search changed, but only a
        # person who may be nominated: a posted id never reveals anyone else's name.
        chosen = None
        with suppress(ValueError):
            chosen = services.eligible_nominee(cycle, db_int(form.nominee.data))
        if chosen is not None:
            form.nominee.choices.append(choices([(str(chosen.id), chosen.name)])[0])
    return form


def _page(form=None, status=200):
    """The page: the current cycle comes with what the person did in each cycle (one
    query, see ``public.overview``)."""
    cycle, received, past = public.overview(current_user)
    ballot = []
    if cycle and cycle.is_voting and services.is_juror(current_user, cycle):
        voted = {(v.category_id, v.nominee_id): v for v in db.session.scalars(
            db.select(Vote).where(Vote.juror_id == current_user.id))}
        shortlist = defaultdict(list)
        for entry in db.session.scalars(db.select(Shortlisted).options(
                db.contains_eager(Shortlisted.nominee).lazyload(User.roles)).join(
                User, User.id == Shortlisted.nominee_id).where(
                Shortlisted.category_id.in_([c.id for c in cycle.categories]),
                services.named_account()).order_by(Shortlisted.id)):
            shortlist[entry.category_id].append(entry)
        for category in cycle.categories:
            for entry in shortlist[category.id]:
                ballot.append((category, entry.nominee, voted.get((category.id,
                                                                    entry.nominee_id))))
    return render("awards/awards.html", status=status, cycle=cycle,
                  form=form or (_nomination_form(cycle, query=request.args.get("q"))
                                if cycle and cycle.is_nominating else None),
                  q=request.args.get("q", ""), mine=public.given(current_user),
                  received=received, ballot=ballot,
                  score_min=SCORE_MIN, score_max=SCORE_MAX, comment_max=COMMENT_MAX,
                  past=past)


@bp.route("/awards")
@requires(is_logged_in)
def awards():
    return _page()


@bp.route("/awards/nominate", methods=["POST"])
@requires(is_logged_in)
def nominate():
    cycle = services.current_cycle()
    if cycle is None:
        abort(404)
    form = _nomination_form(cycle, request.form, query=request.form.get("q", ""))
    if form.validate_on_submit():
        done = perform(services.nominate, current_user, cycle.id, int(form.category.data),
                       int(form.nominee.data), form.citation.data, programme_today(),
                       locale=str(get_locale()), form=form,
                       success=_("Thank you! Your nomination is saved. You can change it "
                                 "until nominations close."))
        if done:
            return redirect_to(url_for("awards.awards"))
    return _page(form=form, status=form_status(form))


@bp.route("/awards/decline", methods=["POST"])
@requires(is_logged_in)
def decline():
    cycle = services.current_cycle()
    if cycle is None:
        abort(404)
    location = url_for("awards.awards")
    return act(location, services.decline, current_user, cycle.id,
                   success=_("Understood: you will not be considered this year, and your name "
                             "will not appear."))


@bp.route("/awards/<int:year>/consent", methods=["POST"])
@requires(is_logged_in)
def consent(year):
    """A nominee agrees to appear on that year's public page, or withdraws (at any time)."""
    cycle = db.session.scalar(db.select(AwardCycle).where(AwardCycle.year == year)) or abort(404)
    agree = request.form.get("public") == "yes"
    message = (_("Thank you: your name can appear on the public page of the award.") if agree
               else _("Done: your name does not appear on the public page of the award."))
    done = perform(public.set_public_consent, current_user, cycle.id, agree, success=message)
    if not done:
        return refusal(done, url_for("awards.awards"))
    if request.htmx:
        return _page()
    return redirect_to(url_for("awards.awards") + "#my-award")


@bp.route("/awards/vote", methods=["POST"])
@requires(is_logged_in)
def vote():
    try:
        score = int(request.form.get("score", ""))
    except ValueError:
        score = None
    location = url_for("awards.awards") + "#ballot"
    return act(location, services.vote, current_user, request.form.get("category", type=db_int),
                   request.form.get("nominee", type=db_int), score, request.form.get("comment"),
                   success=_("Your vote is recorded."))


@bp.route("/awards/<int:year>")
def year(year):
    cycle = db.session.scalar(db.select(AwardCycle).where(AwardCycle.year == year,
                                                          AwardCycle.state == ANNOUNCED))
    if cycle is None:
        abort(404)
    return render("awards/year.html", cycle=cycle, results=public.public_results(cycle))
