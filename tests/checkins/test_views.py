"""/checkins/<id>: who may open it, the pages around it, and its query count."""

from datetime import timedelta

import pytest

from mentorship.checkins import services
from mentorship.checkins.models import Checkin
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.hours.models import MEETING, HourEntry
from tests.conftest import count_queries, log_in, page_text

from .conftest import user


def client_of(app, account):
    client = app.test_client()
    log_in(client, account)
    return client


@pytest.fixture
def newcomer_checkin(app, active_match, checkin_of):
    """(coordinator, newcomer, volunteer, match id, newcomer's check-in id)."""
    coordinator, newcomer, volunteer, _, match_id = active_match()
    return coordinator, newcomer, volunteer, match_id, checkin_of(match_id)


def test_the_person_and_a_coordinator_may_open_it(app, newcomer_checkin):
    coordinator, newcomer, _, _, checkin_id = newcomer_checkin
    for account in (newcomer, coordinator):
        assert client_of(app, account).get(f"/checkins/{checkin_id}").status_code == 200


def test_anyone_else_is_refused(app, make_user, active_match, newcomer_checkin, checkin_of):
    _, _, volunteer, _, checkin_id = newcomer_checkin
    other_volunteer = active_match()[2]
    refused = [make_user("newcomer"), other_volunteer, make_user("partner"),
               make_user("resident"), volunteer]  # volunteer: the match's other side
    for account in refused:
        client = client_of(app, account)
        assert client.get(f"/checkins/{checkin_id}").status_code == 403
        assert client.post(f"/checkins/{checkin_id}?step=1",
                           data={"answer": "1"}).status_code == 403
    with app.app_context():
        assert db.session.get(Checkin, checkin_id).answers == []


def test_logged_out_goes_to_login_and_an_unknown_id_is_404(app, client, newcomer_checkin):
    _, newcomer, _, _, checkin_id = newcomer_checkin
    response = client.get(f"/checkins/{checkin_id}")
    assert response.status_code in (302, 303) and "/login" in response.location
    assert client_of(app, newcomer).get("/checkins/999999").status_code == 404


def test_the_intro_says_whose_match_how_many_questions_and_that_any_can_be_skipped(
        app, newcomer_checkin):
    _, newcomer, volunteer, _, checkin_id = newcomer_checkin
    html = page_text(client_of(app, newcomer).get(f"/checkins/{checkin_id}"))
    assert volunteer.name.split()[0] in html
    assert "7 questions" in html
    assert "You can skip any question." in html
    assert f'href="/checkins/{checkin_id}?step=1"' in html
    assert "You are answering for" not in html


def test_a_question_is_words_and_faces_never_only_numbers(app, newcomer_checkin):
    _, newcomer, _, _, checkin_id = newcomer_checkin
    html = page_text(client_of(app, newcomer).get(f"/checkins/{checkin_id}?step=1"))
    assert "Question 1 of 7" in html
    assert "I can manage everyday conversations in the local language." in html
    assert html.count('type="radio"') == 5
    for word in ("Very hard", "Hard", "In between", "Good", "Very good"):
        assert f'<span class="checkin-word">{word}</span>' in html
    assert html.count('<svg class="face') == 5
    assert html.count('aria-hidden="true" focusable="false"') >= 5
    assert 'name="skip"' in html and "Skip this question" in html
    assert f'href="/checkins/{checkin_id}"' in html  # "Back" to the introduction
    assert "<script" not in html.split("<main", 1)[1]


def test_the_volunteer_sees_their_questions_and_the_hours_since_the_last_checkin(
        app, active_match, checkin_of):
    _, _, volunteer, _, match_id = active_match()
    checkin_id = checkin_of(match_id, "volunteer")
    with app.app_context():
        db.session.add(HourEntry(user_id=volunteer.id, match_id=match_id, minutes=95,
                                 day=programme_today(), activity=MEETING))
        db.session.commit()
    client = client_of(app, volunteer)
    html = page_text(client.get(f"/checkins/{checkin_id}"))
    assert "3 questions" in html
    assert "since your last check-in: 1 h 35 min" in html
    assert 'href="/hours"' in html
    html = page_text(client.get(f"/checkins/{checkin_id}?step=1"))
    assert "How is the match going?" in html
    assert html.count('type="radio"') == 5


def test_buddy_volunteer_and_home_pages_say_a_checkin_is_waiting(app, newcomer_checkin,
                                                                 checkin_of):
    _, newcomer, volunteer, match_id, checkin_id = newcomer_checkin
    newcomer_client = client_of(app, newcomer)
    for path in ("/buddy", "/"):
        html = page_text(newcomer_client.get(path))
        assert "A check-in is waiting" in html
        assert f'href="/checkins/{checkin_id}"' in html
    volunteer_id = checkin_of(match_id, "volunteer")
    html = page_text(client_of(app, volunteer).get("/volunteer"))
    assert "A check-in is waiting" in html and f'href="/checkins/{volunteer_id}"' in html
    assert f'href="/checkins/{checkin_id}"' not in html
    with app.app_context():
        services.finish(checkin_id, user(newcomer))
        db.session.commit()
    for path in ("/buddy", "/"):
        assert "A check-in is waiting" not in page_text(newcomer_client.get(path))


def test_a_checkin_not_yet_open_says_when_it_opens(app, newcomer_checkin):
    _, newcomer, _, _, checkin_id = newcomer_checkin
    with app.app_context():
        db.session.get(Checkin, checkin_id).opens_on = programme_today() + timedelta(days=3)
        db.session.commit()
    client = client_of(app, newcomer)
    response = client.get(f"/checkins/{checkin_id}?step=1")
    assert response.status_code == 200 and "This check-in opens on" in page_text(response)
    assert client.post(f"/checkins/{checkin_id}?step=1",
                       data={"answer": "3"}).status_code == 409
    assert "A check-in is waiting" not in page_text(client.get("/buddy"))


def _answer_all(client, checkin_id, count, value="3"):
    for number in range(1, count + 1):
        client.post(f"/checkins/{checkin_id}?step={number}", data={"answer": value})


def test_the_answer_pages_run_a_fixed_number_of_queries(app, active_match, checkin_of):
    counts = {}
    for given in (1, 7):
        _, newcomer, _, _, match_id = active_match()
        checkin_id = checkin_of(match_id)
        client = client_of(app, newcomer)
        _answer_all(client, checkin_id, given)
        pages = {}
        for step in ("1", "7", "review"):
            with count_queries(app) as counter:
                assert client.get(f"/checkins/{checkin_id}?step={step}").status_code == 200
            pages[step] = counter.count
        counts[given] = pages
    assert counts[1] == counts[7], counts
    assert counts[1]["1"] == counts[1]["7"]


def test_the_read_only_answers_run_a_fixed_number_of_queries(app, active_match, checkin_of):
    counts = []
    for given in (0, 7):
        coordinator, newcomer, _, _, match_id = active_match()
        checkin_id = checkin_of(match_id)
        client = client_of(app, newcomer)
        _answer_all(client, checkin_id, given)
        assert client.post(f"/checkins/{checkin_id}?step=review").status_code == 303
        coordinator_client = client_of(app, coordinator)
        with count_queries(app) as counter:
            html = page_text(coordinator_client.get(f"/checkins/{checkin_id}"))
        assert "Check-in of" in html
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
