"""The coordinator's side of check-ins: flagged matches and what was done about them,
check-ins waiting for an answer, and the questions. The programme's effects are on the
coordinator's home and in the annual report (the page links to them: shown here too, they
would take a third of the page's size budget)."""

from dataclasses import dataclass

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..database import in_one_query
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
WAITING_PER_PAGE = 10
RESOLVED_SHOWN = 10
# The list shows this much of what was done about a resolved flag; its page shows it all.
RESOLUTION_SHOWN = 160
WAITING_FILTERS = ("audience", "moment")


# What the page shows ------------------------------------------------------------------


@dataclass
class Overview:
    flagged: object  # a page of matches with open flags, longest-flagged first
    resolved: list  # the last RESOLVED_SHOWN resolved flags
    waiting: object  # a page of check-ins open today, due first


def _waiting_conditions(today, audience=None, moment=None):
    conditions = [Checkin.status == OPEN, Checkin.opens_on <= today, Checkin.due_on >= today]
    if audience:
        conditions.append(Checkin.audience == audience)
    if moment:
        conditions.append(Checkin.moment == moment)
    return conditions


def waiting_query(today, audience=None, moment=None):
    """Check-ins that can be answered today and are not yet, the soonest due first, with
    the person and the match's two people (joined, their roles not loaded)."""
    match = joinedload(Checkin.match)
    return (select(Checkin)
            .options(joinedload(Checkin.person).lazyload(User.roles),
                     match.joinedload(Match.volunteer).lazyload(User.roles),
                     match.joinedload(Match.newcomer).lazyload(User.roles))
            .where(*_waiting_conditions(today, audience, moment))
            .order_by(Checkin.due_on, Checkin.id))


def flagged_query():
    """``flags.flagged_matches_query`` for the page: the open flags, their check-ins and
    the two people come in the same query (joined), not one query each."""
    oldest = select(MatchFlag.match_id, func.min(MatchFlag.raised_at).label("since")) \
        .where(MatchFlag.resolved_at.is_(None)).group_by(MatchFlag.match_id).subquery()
    return select(Match).join(oldest, oldest.c.match_id == Match.id) \
        .options(joinedload(Match.open_flags).joinedload(MatchFlag.checkin),
                 joinedload(Match.volunteer).lazyload(User.roles),
                 joinedload(Match.newcomer).lazyload(User.roles)) \
        .order_by(oldest.c.since, Match.id)


def overview(today, *, flagged_page=1, waiting_page=1, audience=None, moment=None):
    """Everything /coordinate/checkins shows, in four queries however much there is: the
    two totals together, then each list with the people it names."""
    totals = in_one_query(
        flagged=select(func.count(func.distinct(MatchFlag.match_id)))
        .where(MatchFlag.resolved_at.is_(None)),
        waiting=select(func.count()).select_from(Checkin)
        .where(*_waiting_conditions(today, audience, moment)))
    flagged = db.paginate(flagged_query(), page=flagged_page, per_page=FLAGGED_PER_PAGE,
                          error_out=False, count=False)
    flagged.total = totals.flagged
    resolved_match = joinedload(MatchFlag.match)
    resolved = db.session.scalars(
        select(MatchFlag).where(MatchFlag.resolved_at.is_not(None))
        .options(joinedload(MatchFlag.resolved_by).lazyload(User.roles),
                 resolved_match.joinedload(Match.volunteer).lazyload(User.roles),
                 resolved_match.joinedload(Match.newcomer).lazyload(User.roles))
        .order_by(MatchFlag.resolved_at.desc(), MatchFlag.id.desc())
        .limit(RESOLVED_SHOWN)).all()
    waiting = db.paginate(waiting_query(today, audience, moment), page=waiting_page,
                          per_page=WAITING_PER_PAGE, error_out=False, count=False)
    waiting.total = totals.waiting
    return Overview(flagged=flagged, resolved=resolved, waiting=waiting)


def _page():
    today = programme_today()
    filter_form = WaitingFilterForm(request.args)
    filters = filter_values(filter_form, WAITING_FILTERS)
    flagged_page = request.args.get("page", 1, type=db_int)
    waiting_page = request.args.get("waiting_page", 1, type=db_int)
    data = overview(today, flagged_page=flagged_page, waiting_page=waiting_page, **filters)
    return render("checkins/coordinate.html", data=data,
                  filter_form=filter_form, filters=filters, flagged_page=flagged_page,
                  waiting_page=waiting_page, today=today, audience_labels=AUDIENCE_LABELS,
                  resolution_shown=RESOLUTION_SHOWN)


@bp.route("/coordinate/checkins")
@requires(can_coordinate)
def coordinate():
    return _page()


def _flag(flag_id):
    """The flag with its match, the two people, its check-in and who resolved it (one
    query), or 404."""
    match = joinedload(MatchFlag.match)
    flag = db.session.get(MatchFlag, flag_id, options=[
        match.joinedload(Match.volunteer).lazyload(User.roles),
        match.joinedload(Match.newcomer).lazyload(User.roles),
        joinedload(MatchFlag.checkin),
        joinedload(MatchFlag.resolved_by).lazyload(User.roles)])
    if flag is None:
        abort(404)
    return flag


def _flag_page(flag_id, form, status=200):
    return render("checkins/flag.html", status=status, flag=_flag(flag_id), form=form,
                  audience_labels=AUDIENCE_LABELS)


@bp.route("/coordinate/checkins/flags/<int:flag_id>/resolve", methods=["GET", "POST"])
@requires(can_coordinate)
def resolve(flag_id):
    """One flag: what it is about and the form to record what was done (a row of the
    list links here, so the list carries no form per flag)."""
    if request.method == "GET":
        return _flag_page(flag_id, resolve_form(flag_id))
    form = resolve_form(flag_id, request.form)
    if not form.validate():
        return _flag_page(flag_id, form, status=422)
    done = perform(flags.resolve, current_user, flag_id, form.resolution.data, form=form,
                   success=_("Thank you: what was done is recorded and the flag is cleared."))
    if done:
        return redirect_to(url_for("checkins.coordinate"))
    if done.error.status == 404:
        abort(404)
    if done.error.field is None:
        # Already resolved: the page shows the first resolution, and says so.
        flash(str(done.error), "error")
    return _flag_page(flag_id, form, status=done.error.status)


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
