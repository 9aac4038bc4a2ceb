"""Answering a check-in with nothing but GET and POST (no JavaScript), in the person's
language; skips, bad input, late, ended and double sends; answering on someone's behalf."""

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.checkins import services
from mentorship.checkins.models import (
    ANSWERED,
    SCALE_LABELS,
    Checkin,
    CheckinAnswer,
    CheckinQuestion,
    CheckinQuestionVersion,
)
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.matching.models import ENDED_EARLY, Match
from tests.conftest import csrf_token_from, page_text

from .test_views import client_of

UKRAINIAN_WORDING = "Я можу впоратися з повсякденними розмовами місцевою мовою."


def url(checkin_id, step=None):
    return f"/checkins/{checkin_id}" + (f"?step={step}" if step else "")


def answers_of(app, checkin_id):
    with app.app_context():
        rows = db.session.scalars(db.select(CheckinAnswer).join(CheckinQuestion).where(
            CheckinAnswer.checkin_id == checkin_id)).all()
        return {row.question.key: (row.value, row.text, row.skipped) for row in rows}


@pytest.fixture
def ukrainian_newcomer(app, active_match, checkin_of):
    """A match whose newcomer reads Ukrainian; the first question has its own wording."""
    coordinator, newcomer, _, _, match_id = active_match()
    with app.app_context():
        db.session.get(User, newcomer.id).locale = "uk"
        services.ensure_questions()
        question = db.session.scalar(db.select(CheckinQuestion).filter_by(key="language"))
        version = question.current
        version.texts = {**version.texts, "uk": UKRAINIAN_WORDING}
        db.session.commit()
    return coordinator, newcomer, match_id, checkin_of(match_id)


def test_a_newcomer_answers_in_ukrainian_without_javascript(app, ukrainian_newcomer):
    _, newcomer, _, checkin_id = ukrainian_newcomer
    client = client_of(app, newcomer)
    with app.test_request_context(), force_locale("uk"):
        very_good, skipped = str(SCALE_LABELS[5]), gettext("Skipped")
        progress = gettext("Question %(number)d of %(count)d", number=1, count=7)

    assert client.get(url(checkin_id)).status_code == 200
    page = client.get(url(checkin_id, 1))
    html = page_text(page)
    assert page.status_code == 200 and 'lang="uk"' in html
    assert UKRAINIAN_WORDING in html and progress in html
    assert f'<span class="checkin-word">{very_good}</span>' in html

    # No choice made: 422, the message next to the field, nothing stored.
    response = client.post(url(checkin_id, 1), data={"next": "1"})
    assert response.status_code == 422
    assert 'id="answer-errors"' in page_text(response)
    assert answers_of(app, checkin_id) == {}
    # A value that is not one of the steps (a hand-made post): refused the same way.
    assert client.post(url(checkin_id, 1), data={"answer": "9"}).status_code == 422
    assert client.post(url(checkin_id, 1), data={"answer": "abc"}).status_code == 422

    response = client.post(url(checkin_id, 1), data={"answer": "5"})
    assert response.status_code == 303 and response.location.endswith(url(checkin_id, 2))
    # "Skip this question" is its own button: the answer chosen with it is not kept.
    response = client.post(url(checkin_id, 2), data={"answer": "4", "skip": "1"})
    assert response.status_code == 303 and response.location.endswith(url(checkin_id, 3))
    for number in (3, 4, 5):
        client.post(url(checkin_id, number), data={"answer": "3"})
    client.post(url(checkin_id, 6), data={"answer": "1"})  # work: looking

    # Text too long: 422, the message next to the field, the typed text kept.
    typed = "Курси мови " * 100
    response = client.post(url(checkin_id, 7), data={"answer": typed})
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="answer-errors"' in html and typed.strip() in html
    response = client.post(url(checkin_id, 7), data={"answer": "Курси мови"})
    assert response.location.endswith(url(checkin_id, "review"))

    # Going back shows the answer given, chosen again.
    checked = re.findall(r"<input checked[^>]*>", page_text(client.get(url(checkin_id, 1))))
    assert len(checked) == 1 and 'value="5"' in checked[0]

    review = page_text(client.get(url(checkin_id, "review")))
    assert very_good in review and "Курси мови" in review
    assert review.count(f'<span class="badge">{skipped}</span>') == 1

    response = client.post(url(checkin_id, "review"))
    assert response.status_code == 303 and response.location.endswith(url(checkin_id, "done"))
    assert client.get(response.location).status_code == 200

    assert answers_of(app, checkin_id) == {
        "language": (5, None, False), "procedures": (None, None, True),
        "isolation": (3, None, False), "welcome": (3, None, False),
        "housing": (3, None, False), "work": (1, None, False),
        "help": (None, "Курси мови", False)}
    with app.app_context():
        checkin = db.session.get(Checkin, checkin_id)
        assert checkin.status == ANSWERED
        assert (checkin.answered_by_id, checkin.on_behalf) == (newcomer.id, False)


def test_an_empty_free_text_and_unanswered_questions_are_skipped_never_values(
        app, ukrainian_newcomer):
    _, newcomer, _, checkin_id = ukrainian_newcomer
    client = client_of(app, newcomer)
    client.post(url(checkin_id, 1), data={"answer": "2"})
    client.post(url(checkin_id, 7), data={"answer": "   "})
    assert client.post(url(checkin_id, "review")).status_code == 303
    answers = answers_of(app, checkin_id)
    assert answers.pop("language") == (2, None, False)
    assert set(answers.values()) == {(None, None, True)}


def test_a_double_send_gets_the_already_answered_page_and_keeps_the_first_answers(
        app, ukrainian_newcomer):
    _, newcomer, _, checkin_id = ukrainian_newcomer
    client = client_of(app, newcomer)
    client.post(url(checkin_id, 1), data={"answer": "4"})
    assert client.post(url(checkin_id, "review")).status_code == 303
    second = client.post(url(checkin_id, "review"))
    assert second.status_code == 409
    # Answering again (another tab, the back button) is refused the same way.
    again = client.post(url(checkin_id, 1), data={"answer": "1"})
    assert again.status_code == 409
    page = client.get(url(checkin_id))
    assert page.status_code == 200
    with app.test_request_context(), force_locale("uk"):
        assert str(services.refusal(db.session.get(Checkin, checkin_id))) in page_text(page)
    assert answers_of(app, checkin_id)["language"] == (4, None, False)


def test_a_late_checkin_is_refused_with_a_clear_page(app, active_match, checkin_of):
    _, newcomer, _, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    client = client_of(app, newcomer)
    client.post(url(checkin_id, 1), data={"answer": "4"})
    with app.app_context():
        db.session.get(Checkin, checkin_id).due_on = programme_today() - timedelta(days=1)
        db.session.commit()
    for step in (None, 1, "review"):
        page = client.get(url(checkin_id, step))
        assert page.status_code == 200 and "This check-in closed on" in page_text(page)
    assert client.post(url(checkin_id, 1), data={"answer": "1"}).status_code == 409
    assert client.post(url(checkin_id, "review")).status_code == 409
    assert answers_of(app, checkin_id) == {"language": (4, None, False)}
    with app.app_context():
        assert db.session.get(Checkin, checkin_id).status != ANSWERED


def test_a_checkin_of_a_match_that_ended_is_refused(app, active_match, checkin_of):
    _, newcomer, _, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    client = client_of(app, newcomer)
    client.post(url(checkin_id, 1), data={"answer": "2"})
    with app.app_context():
        db.session.get(Match, match_id).status = ENDED_EARLY
        db.session.commit()
    page = client.get(url(checkin_id, 2))
    assert page.status_code == 200
    assert "This match has ended, so this check-in is closed." in page_text(page)
    assert client.post(url(checkin_id, 2), data={"answer": "5"}).status_code == 409
    assert client.post(url(checkin_id, "review")).status_code == 409
    assert answers_of(app, checkin_id) == {"language": (2, None, False)}


def test_a_coordinator_answers_on_behalf_and_later_reads_the_answers(app, ukrainian_newcomer):
    coordinator, newcomer, _, checkin_id = ukrainian_newcomer
    client = client_of(app, coordinator)
    intro = page_text(client.get(url(checkin_id)))
    banner = (f"You are answering for {newcomer.name}. It will be recorded as answered by "
              "you on their behalf.")
    assert banner in intro
    assert banner in page_text(client.get(url(checkin_id, 1)))
    client.post(url(checkin_id, 1), data={"answer": "1"})
    client.post(url(checkin_id, 2), data={"skip": "1"})
    assert client.post(url(checkin_id, "review")).status_code == 303
    with app.app_context():
        checkin = db.session.get(Checkin, checkin_id)
        assert (checkin.answered_by_id, checkin.on_behalf) == (coordinator.id, True)
        assert db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "checkin.answered_on_behalf")) is not None
        # The coordinator then rewords the question: the answers keep the old wording.
        question = db.session.scalar(db.select(CheckinQuestion).filter_by(key="language"))
        question.versions.append(CheckinQuestionVersion(
            version=2, texts={"en": "Reworded question"}))
        question.version = 2
        db.session.commit()
    done = page_text(client.get(url(checkin_id, "done")))
    assert "recorded as answered by you on their behalf" in done

    page = client.get(url(checkin_id))
    html = page_text(page)
    assert page.status_code == 200
    assert f"Answered by {coordinator.name} on behalf of {newcomer.name}." in html
    assert "I can manage everyday conversations in the local language." in html
    assert "Reworded question" not in html
    assert "Very hard" in html and html.count(">Skipped</span>") == 6
    assert 'type="radio"' not in html and "<form" not in html.split("<main", 1)[1]


def test_each_screen_carries_its_csrf_token(app, active_match, checkin_of):
    _, newcomer, _, _, match_id = active_match()
    checkin_id = checkin_of(match_id)
    client = client_of(app, newcomer)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(url(checkin_id, 1), data={"answer": "3"}).status_code == 400
        token = csrf_token_from(page_text(client.get(url(checkin_id, 1))))
        response = client.post(url(checkin_id, 1), data={"answer": "3", "csrf_token": token})
        assert response.status_code == 303
        token = csrf_token_from(page_text(client.get(url(checkin_id, "review"))))
        response = client.post(url(checkin_id, "review"), data={"csrf_token": token})
        assert response.status_code == 303
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
