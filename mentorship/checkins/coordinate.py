"""The coordinator's side of check-ins: flagged matches and what was done about them,
check-ins waiting for an answer, and the questions. The programme's effects are on the
coordinator's home and in the annual report (the page links to them: shown here too, they
would take a third of the page's size budget)."""

from dataclasses import dataclass, field
from functools import cache

from flask import abort, current_app, flash, request, url_for
from flask_login import current_user
from sqlalchemy import Date, and_, bindparam, func, select
from sqlalchemy.orm import aliased, joinedload

from ..accounts.models import User
from ..database import ListPage, in_one_query
from ..dates import programme_today
from ..extensions import db
from ..formtools import filter_values
from ..i18n import gettext as _
from ..matching.models import FLAG_REASON_LABELS, Match, MatchFlag
from ..permissions import can_coordinate, requires
from ..web import db_int, perform, redirect_to, render
from . import bp, flags, questions
from .forms import WaitingFilterForm, question_form, resolve_form, text_field_name
from .models import AUDIENCE_LABELS, MOMENT_LABELS, OPEN, Checkin

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


@dataclass
class FlaggedMatch:
    """A row of the flagged list: the match, its two people and its open flags (rows with
    id, reason, raised_at, checkin_id, moment, audience), the oldest first."""

    id: int
    request_id: int
    volunteer_id: int
    volunteer_name: str
    newcomer_id: int
    newcomer_name: str
    open_flags: list = field(default_factory=list)


def _waiting_conditions(today, audience=None, moment=None):
    conditions = [Checkin.status == OPEN, Checkin.opens_on <= today, Checkin.due_on >= today]
    if audience is not None:
        conditions.append(Checkin.audience == audience)
    if moment is not None:
        conditions.append(Checkin.moment == moment)
    return conditions


def _offset(page, per_page):
    return (max(page or 1, 1) - 1) * per_page


# The three lists' statements are built once (values bound at execution): building a
# select of three aliased people costs more than running it.

@cache
def _waiting_statement(by_audience, by_moment):
    person, volunteer, newcomer = aliased(User), aliased(User), aliased(User)
    return (select(Checkin.id, Checkin.moment, Checkin.audience, Checkin.due_on,
                   person.id.label("person_id"), person.name.label("person_name"),
                   person.email.is_not(None).label("has_email"),
                   volunteer.name.label("volunteer_name"),
                   newcomer.name.label("newcomer_name"))
            .join(person, person.id == Checkin.person_id)
            .join(Match, Match.id == Checkin.match_id)
            .join(volunteer, volunteer.id == Match.volunteer_id)
            .join(newcomer, newcomer.id == Match.newcomer_id)
            .where(*_waiting_conditions(bindparam("today", type_=Date),
                                        bindparam("audience") if by_audience else None,
                                        bindparam("moment") if by_moment else None))
            .order_by(Checkin.due_on, Checkin.id)
            .limit(bindparam("limit")).offset(bindparam("offset")))


def waiting_rows(today, audience=None, moment=None, *, page=1, per_page=WAITING_PER_PAGE):
    """A page of check-ins that can be answered today and are not yet, the soonest due
    first: the columns the list shows, the person and the match's two people joined."""
    values = {"today": today, "limit": per_page, "offset": _offset(page, per_page)}
    if audience:
        values["audience"] = audience
    if moment:
        values["moment"] = moment
    return db.session.execute(_waiting_statement(bool(audience), bool(moment)),
                              values).all()


@cache
def _flagged_statement():
    oldest = select(MatchFlag.match_id, func.min(MatchFlag.raised_at).label("since")) \
        .where(MatchFlag.resolved_at.is_(None)).group_by(MatchFlag.match_id).subquery()
    chosen = (select(oldest.c.match_id, oldest.c.since)
              .order_by(oldest.c.since, oldest.c.match_id)
              .limit(bindparam("limit")).offset(bindparam("offset")).subquery())
    volunteer, newcomer = aliased(User), aliased(User)
    return (select(Match.id, Match.request_id, volunteer.id.label("volunteer_id"),
                   volunteer.name.label("volunteer_name"), newcomer.id.label("newcomer_id"),
                   newcomer.name.label("newcomer_name"), MatchFlag.id.label("flag_id"),
                   MatchFlag.reason, MatchFlag.raised_at, Checkin.id.label("checkin_id"),
                   Checkin.moment, Checkin.audience)
            .select_from(chosen)
            .join(Match, Match.id == chosen.c.match_id)
            .join(volunteer, volunteer.id == Match.volunteer_id)
            .join(newcomer, newcomer.id == Match.newcomer_id)
            .join(MatchFlag, and_(MatchFlag.match_id == Match.id,
                                  MatchFlag.resolved_at.is_(None)))
            .outerjoin(Checkin, Checkin.id == MatchFlag.checkin_id)
            .order_by(chosen.c.since, chosen.c.match_id, MatchFlag.raised_at, MatchFlag.id))


def flagged_matches(*, page=1, per_page=FLAGGED_PER_PAGE):
    """A page of matches with open flags, the longest-flagged first (as
    ``flags.flagged_matches_query``), with their two people and open flags: one query,
    a row per open flag."""
    rows = db.session.execute(_flagged_statement(),
                              {"limit": per_page, "offset": _offset(page, per_page)})
    matches = {}
    for row in rows:
        match = matches.get(row.id)
        if match is None:
            match = matches[row.id] = FlaggedMatch(
                row.id, row.request_id, row.volunteer_id, row.volunteer_name,
                row.newcomer_id, row.newcomer_name)
        match.open_flags.append(row)
    return list(matches.values())


@cache
def _resolved_statement():
    volunteer, newcomer, resolver = aliased(User), aliased(User), aliased(User)
    return (select(MatchFlag.id, MatchFlag.reason, MatchFlag.resolved_at,
                   MatchFlag.resolution, resolver.name.label("resolved_by_name"),
                   volunteer.name.label("volunteer_name"),
                   newcomer.name.label("newcomer_name"))
            .join(Match, Match.id == MatchFlag.match_id)
            .join(volunteer, volunteer.id == Match.volunteer_id)
            .join(newcomer, newcomer.id == Match.newcomer_id)
            .outerjoin(resolver, resolver.id == MatchFlag.resolved_by_id)
            .where(MatchFlag.resolved_at.is_not(None))
            .order_by(MatchFlag.resolved_at.desc(), MatchFlag.id.desc())
            .limit(bindparam("limit")))


def resolved_flags(limit=RESOLVED_SHOWN):
    """The last resolved flags: reason, when, by whom, what was done, the match's two
    people (names only)."""
    return db.session.execute(_resolved_statement(), {"limit": limit}).all()


def _within(page, total, per_page):
    return max(min(page or 1, -(-total // per_page)), 1)


def overview(today, *, flagged_page=1, waiting_page=1, audience=None, moment=None):
    """Everything /coordinate/checkins shows, in four queries however much there is: the
    two totals together, then each list with the people it names (the columns shown,
    not whole entities)."""
    totals = in_one_query(
        flagged=select(func.count(func.distinct(MatchFlag.match_id)))
        .where(MatchFlag.resolved_at.is_(None)),
        waiting=select(func.count()).select_from(Checkin)
        .where(*_waiting_conditions(today, audience, moment)))
    # A page past the last (the list grew shorter since its link was made) shows the last.
    flagged_page = _within(flagged_page, totals.flagged, FLAGGED_PER_PAGE)
    waiting_page = _within(waiting_page, totals.waiting, WAITING_PER_PAGE)
    flagged = ListPage(flagged_matches(page=flagged_page), flagged_page, FLAGGED_PER_PAGE,
                       totals.flagged)
    waiting = ListPage(waiting_rows(today, audience, moment, page=waiting_page),
                       waiting_page, WAITING_PER_PAGE, totals.waiting)
    return Overview(flagged=flagged, resolved=resolved_flags(), waiting=waiting)


def _place_in_list():
    """Where the coordinator is in the list: its two pages and the filter, as asked for
    (a flag's page carries them, so that it leads back to the same place)."""
    filter_form = WaitingFilterForm(request.args)
    filters = filter_values(filter_form, WAITING_FILTERS)
    pages = {name: request.args.get(name, 1, type=db_int) for name in ("page", "waiting_page")}
    return filter_form, filters, pages


def _list_args(filters, pages):
    """The list's address arguments, without the defaults (a page before the second is
    the first)."""
    return {name: page for name, page in pages.items() if page and page > 1} | {
        name: value for name, value in filters.items() if value is not None}


def _page():
    today = programme_today()
    filter_form, filters, pages = _place_in_list()
    data = overview(today, flagged_page=pages["page"], waiting_page=pages["waiting_page"],
                    **filters)
    flagged_page, waiting_page = data.flagged.page, data.waiting.page
    here = _list_args(filters, {"page": flagged_page, "waiting_page": waiting_page})
    return render("checkins/coordinate.html", data=data, here=here,
                  filter_form=filter_form, filters=filters, flagged_page=flagged_page,
                  waiting_page=waiting_page, today=today,
                  audience_texts=_texts(AUDIENCE_LABELS), moment_texts=_texts(MOMENT_LABELS),
                  reason_texts=_texts(FLAG_REASON_LABELS), resolution_shown=RESOLUTION_SHOWN)


def _texts(labels):
    """A dict of lazy labels read once in the request's language (the rows look each up
    many times)."""
    return {key: str(label) for key, label in labels.items()}


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


def _back_to_list():
    _form, filters, pages = _place_in_list()
    return _list_args(filters, pages)


def _flag_page(flag_id, form, status=200):
    return render("checkins/flag.html", status=status, flag=_flag(flag_id), form=form,
                  audience_labels=AUDIENCE_LABELS, back=_back_to_list())


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
        return redirect_to(url_for("checkins.coordinate", **_back_to_list()))
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
