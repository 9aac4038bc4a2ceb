"""Answering a check-in: /checkins/<id>, one question per screen, without JavaScript.

The screens are steps of one address: no ``step`` is the introduction, ``?step=N`` the
N-th question, ``?step=review`` the answers with "Send", ``?step=done`` the thank-you.
Each screen's form posts to its own address and is answered by a redirect to the next
one (post/redirect/get), so reloading a page never sends anything twice.
"""

from flask import abort, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..matching.models import Match
from ..permissions import can_answer_checkin, can_coordinate, is_logged_in, requires
from ..web import perform, redirect_to, render
from . import bp, services
from .answer_forms import CHOICES, SendForm, answer_form, answer_label
from .models import ANSWERED, NEWCOMER, VOLUNTEER, Checkin, CheckinAnswer, CheckinQuestion


@bp.app_template_global()
def waiting_checkins(audience):
    """The signed-in person's check-ins for ``audience`` they can answer now (the
    "A check-in is waiting" card of /buddy and /volunteer)."""
    if not current_user.is_authenticated:
        return []
    return [c for c in services.open_checkins_of(current_user.id) if c.audience == audience]


def _load(checkin_id):
    """The check-in with the people the pages name, or 404."""
    checkin = db.session.get(Checkin, checkin_id, options=[
        joinedload(Checkin.person),
        joinedload(Checkin.answered_by),
        joinedload(Checkin.match).joinedload(Match.newcomer),
        joinedload(Checkin.match).joinedload(Match.volunteer)])
    if checkin is None:
        abort(404)
    return checkin


def _answers(checkin_id):
    """{question id: answer} of a check-in."""
    return {row.question_id: row for row in db.session.scalars(
        select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin_id))}


def _sent_answers(checkin_id):
    """A sent check-in's answers in question order, with the wording they were given to."""
    return db.session.scalars(
        select(CheckinAnswer).join(CheckinQuestion)
        .where(CheckinAnswer.checkin_id == checkin_id)
        .options(joinedload(CheckinAnswer.question), joinedload(CheckinAnswer.question_version))
        .order_by(CheckinQuestion.position, CheckinQuestion.id)).all()


def _url(checkin, step=None):
    return url_for("checkins.checkin", checkin_id=checkin.id, step=step)


def _page(template, checkin, status=200, **context):
    partner = (checkin.match.volunteer if checkin.audience == NEWCOMER
               else checkin.match.newcomer)
    return render(template, status=status, checkin=checkin, partner=partner,
                  on_behalf=current_user.id != checkin.person_id,
                  locale=str(get_locale()), step_url=lambda step=None: _url(checkin, step),
                  **context)


def _minutes(checkin):
    """The volunteer's "hours since your last check-in" (None on a newcomer's)."""
    return services.minutes_since_last(checkin) if checkin.audience == VOLUNTEER else None


def _closed(checkin, message, status):
    return _page("checkins/closed.html", checkin, status=status, message=message)


@bp.route("/checkins/<int:checkin_id>", methods=["GET", "POST"])
@requires(is_logged_in)
def checkin(checkin_id):
    checkin = _load(checkin_id)
    if not can_answer_checkin(current_user, checkin):
        abort(403)
    step = request.args.get("step", "")
    if checkin.status == ANSWERED and request.method == "GET":
        if step == "done" and current_user.id in (checkin.person_id, checkin.answered_by_id):
            return _page("checkins/done.html", checkin)
        if can_coordinate(current_user):
            return _page("checkins/answers.html", checkin,
                         answers=_sent_answers(checkin.id), answer_label=answer_label)
    reason = services.refusal(checkin)
    if reason is not None:
        return _closed(checkin, reason, 200 if request.method == "GET" else 409)
    questions = services.questions_for(checkin.audience)
    if step == "review":
        return _review(checkin, questions)
    if step.isdecimal() and 1 <= int(step) <= len(questions):
        return _question(checkin, questions, int(step))
    if request.method == "POST":
        return redirect_to(_url(checkin))
    return _page("checkins/answer_intro.html", checkin, count=len(questions),
                 minutes=_minutes(checkin))


def _question(checkin, questions, number):
    question = questions[number - 1]
    form = answer_form(question, _answers(checkin.id).get(question.id))
    if form.validate_on_submit():
        skip = "skip" in request.form
        done = perform(services.answer, checkin.id, current_user, question.id,
                       raw=None if skip else form.answer.data, skip=skip, form=form)
        if done:
            after = number + 1 if number < len(questions) else "review"
            return redirect_to(_url(checkin, after))
        if done.error.field is None:  # the check-in closed meanwhile: say so, plainly
            return _closed(checkin, str(done.error), done.error.status)
    return _page("checkins/answer.html", checkin, status=422 if form.errors else 200,
                 form=form, question=question, wording=question.current.text(
                     str(get_locale())), number=number, count=len(questions),
                 choices=CHOICES.get(question.kind))


def _review(checkin, questions):
    form = SendForm()
    if form.validate_on_submit():
        done = perform(services.finish, checkin.id, current_user, form=form)
        if done:
            return redirect_to(_url(checkin, "done"))
        return _closed(checkin, str(done.error), done.error.status)
    answers = _answers(checkin.id)
    rows = [(number, question.current.text(str(get_locale())),
             answer_label(question, answers.get(question.id)))
            for number, question in enumerate(questions, start=1)]
    return _page("checkins/answer_review.html", checkin, status=422 if form.errors else 200,
                 form=form, rows=rows, count=len(questions), minutes=_minutes(checkin))
