"""The coordinator's side of check-ins: flagged matches and what was done about them,
check-ins waiting for an answer, the programme's effects, and the questions."""

from dataclasses import dataclass

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..coordination.services import effects_summary
from ..dates import programme_today
from ..extensions import db
from ..formtools import filter_values
from ..matching.models import Match, MatchFlag
from ..permissions import can_coordinate, requires
from ..web import db_int, perform, redirect_to, render
from . import bp, flags, questions
from .forms import WaitingFilterForm, question_form, resolve_form, text_field_name
from .models import AUDIENCE_LABELS, OPEN, Checkin

FLAGGED_PER_PAGE = 10
WAITING_PER_PAGE = 20
RESOLVED_SHOWN = 10
WAITING_FILTERS = ("audience", "moment")


# What the page shows ------------------------------------------------------------------


@dataclass
class Overview:
    flagged: object  # a page of matches with open flags, longest-flagged first
    resolved: list  # the last RESOLVED_SHOWN resolved flags
    waiting: object  # a page of check-ins open today, due first


def waiting_query(today, audience=None, moment=None):
    """Check-ins that can be answered today and are not yet, the soonest due first."""
    query = (select(Checkin)
             .options(joinedload(Checkin.person),
                      joinedload(Checkin.match).joinedload(Match.volunteer),
                      joinedload(Checkin.match).joinedload(Match.newcomer))
             .where(Checkin.status == OPEN, Checkin.opens_on <= today, Checkin.due_on >= today))
    if audience:
        query = query.where(Checkin.audience == audience)
    if moment:
        query = query.where(Checkin.moment == moment)
    return query.order_by(Checkin.due_on, Checkin.id)


def overview(today, *, flagged_page=1, waiting_page=1, audience=None, moment=None):
    """Everything /coordinate/checkins shows, in a fixed number of queries."""
    flagged = db.paginate(flags.flagged_matches_query(), page=flagged_page,
                          per_page=FLAGGED_PER_PAGE, error_out=False)
    resolved = db.session.scalars(
        select(MatchFlag).where(MatchFlag.resolved_at.is_not(None))
        .options(joinedload(MatchFlag.resolved_by),
                 joinedload(MatchFlag.match).joinedload(Match.volunteer),
                 joinedload(MatchFlag.match).joinedload(Match.newcomer))
        .order_by(MatchFlag.resolved_at.desc(), MatchFlag.id.desc())
        .limit(RESOLVED_SHOWN)).all()
    waiting = db.paginate(waiting_query(today, audience, moment), page=waiting_page,
                          per_page=WAITING_PER_PAGE, error_out=False)
    return Overview(flagged=flagged, resolved=resolved, waiting=waiting)


def _page(status=200, posted=None):
    """The page; ``posted``: the resolve form sent (its errors and text shown again)."""
    today = programme_today()
    filter_form = WaitingFilterForm(request.args)
    filters = filter_values(filter_form, WAITING_FILTERS)
    flagged_page = request.args.get("page", 1, type=db_int)
    waiting_page = request.args.get("waiting_page", 1, type=db_int)
    data = overview(today, flagged_page=flagged_page, waiting_page=waiting_page, **filters)
    forms = {flag.id: resolve_form(flag.id)
             for match in data.flagged.items for flag in match.open_flags}
    if posted is not None:
        forms.update(posted)
    return render("checkins/coordinate.html", status=status, data=data, forms=forms,
                  effects=effects_summary(today.year),
                  filter_form=filter_form, filters=filters, flagged_page=flagged_page,
                  waiting_page=waiting_page, today=today, audience_labels=AUDIENCE_LABELS)


@bp.route("/coordinate/checkins")
@requires(can_coordinate)
def coordinate():
    return _page()


@bp.post("/coordinate/checkins/flags/<int:flag_id>/resolve")
@requires(can_coordinate)
def resolve(flag_id):
    form = resolve_form(flag_id, request.form)
    if not form.validate():
        return _page(status=422, posted={flag_id: form})
    done = perform(flags.resolve, current_user, flag_id, form.resolution.data, form=form,
                   success=_("Thank you: what was done is recorded and the flag is cleared."))
    if done:
        return redirect_to(url_for("checkins.coordinate"))
    if done.error.field is None:
        # Already resolved (or gone): its form is no longer on the page, so say it there.
        flash(str(done.error), "error")
    return _page(status=done.error.status, posted={flag_id: form})


# Questions ----------------------------------------------------------------------------


@bp.route("/coordinate/checkins/questions")
@requires(can_coordinate)
def question_list():
    return render("checkins/questions.html", by_audience=questions.all_questions(),
                  audience_labels=AUDIENCE_LABELS,
                  languages=current_app.config["LANGUAGES"])


@bp.route("/coordinate/checkins/questions/<int:question_id>", methods=["GET", "POST"])
@requires(can_coordinate)
def question_edit(question_id):
    found = questions.question(question_id) or abort(404)
    languages = current_app.config["LANGUAGES"]
    if request.method == "GET":
        current = found.current
        form = question_form(languages, None, is_active="yes" if found.is_active else "no",
                             **{text_field_name(locale): current.texts.get(locale, "")
                                for locale in languages})
        return _question_page(found, form)
    form = question_form(languages, request.form)
    if not form.validate():
        return _question_page(found, form, status=422)
    texts = {locale: form[text_field_name(locale)].data for locale in languages}
    done = perform(questions.update, current_user, question_id, texts,
                   form.is_active.data == "yes", languages, form=form)
    if not done:
        return _question_page(found, form, status=done.error.status)
    _question, changed = done.result
    if "wording" in changed:
        flash(_("The new wording is saved as version %(num)d. Answers already given keep "
                "the wording they were asked.", num=_question.version), "success")
    elif changed:
        flash(_("The question is saved."), "success")
    else:
        flash(_("Nothing was changed."), "success")
    return redirect_to(url_for("checkins.question_list"))


def _question_page(found, form, status=200):
    return render("checkins/question.html", status=status, question=found, form=form,
                  languages=current_app.config["LANGUAGES"], text_field_name=text_field_name,
                  audience_labels=AUDIENCE_LABELS)
