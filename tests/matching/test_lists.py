"""The matching board and the matches list: searchable, filterable, paginated, with a
fixed number of queries."""

from datetime import timedelta

import pytest

from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.matching import services
from mentorship.matching.models import BuddyRequest
from tests.conftest import count_queries, page_text


def backdate(app, request_id, days):
    with app.app_context():
        db.session.get(BuddyRequest, request_id).created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def rows(html):
    return html.count('<th scope="row">')


@pytest.fixture
def board_data(app, newcomer_request, proposal, places):
    """Three open requests: Amíra (mentor, waiting 10 days), Bohdan (language buddy, in the
    second neighbourhood) and Chloé (mentor, Claire Dubois proposed)."""
    _, amira = newcomer_request("mentor", name="Amíra Haddad")
    backdate(app, amira, 10)
    newcomer_request("language_buddy", name="Bohdan Kovalenko", place=1, target="fr")
    proposal(newcomer_name="Chloé Martin", volunteer_name="Claire Dubois")
    return places


@pytest.mark.parametrize(("query", "names"), [
    ("", {"Amíra Haddad", "Bohdan Kovalenko", "Chloé Martin"}),
    ("q=AMIRA", {"Amíra Haddad"}),  # case and accents do not matter
    ("q=claire", {"Chloé Martin"}),  # the proposed volunteer's name
    ("q=100%25", set()),  # LIKE wildcards are searched as typed
    ("role=language_buddy", {"Bohdan Kovalenko"}),
    ("state=proposed", {"Chloé Martin"}),
    ("state=unproposed", {"Amíra Haddad", "Bohdan Kovalenko"}),
    ("state=waiting_long", {"Amíra Haddad"}),
    ("role=nonsense&state=nonsense", {"Amíra Haddad", "Bohdan Kovalenko", "Chloé Martin"}),
])
def test_the_board_searches_and_filters(client, login_as, board_data, query, names):
    login_as("coordinator")
    response = client.get(f"/coordinate/matching?{query}")
    assert response.status_code == 200
    html = page_text(response)
    everyone = {"Amíra Haddad", "Bohdan Kovalenko", "Chloé Martin"}
    assert {name for name in everyone if f'<th scope="row">{name}' in html} == names
    assert f"{len(names)} request" in html


def test_the_board_filters_by_neighbourhood_and_keeps_filters_across_pages(
        client, app, login_as, board_data, newcomer_request):
    login_as("coordinator")
    html = page_text(client.get(f"/coordinate/matching?neighbourhood={board_data[1]}"))
    assert rows(html) == 1 and "Bohdan Kovalenko" in html
    for _ in range(20):
        newcomer_request("mentor")
    html = page_text(client.get("/coordinate/matching?role=mentor"))
    assert "22 requests" in html and "page=2&amp;role=mentor" in html


def test_the_board_runs_a_fixed_number_of_queries(client, app, login_as, newcomer_request,
                                                  proposal):
    login_as("coordinator")
    path = "/coordinate/matching?q=person&state="
    newcomer_request("mentor")
    proposal()  # one of each kind of row: the lazy loads of each relation happen once
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    for _ in range(4):
        newcomer_request("mentor")
        proposal()
    with count_queries(app) as many:
        html = page_text(client.get(path))
    assert rows(html) == 10
    assert many.count == few.count


@pytest.mark.parametrize(("query", "names"), [
    ("", {"Amíra Haddad"}),
    ("state=proposed", {"Chloé Martin"}),
    ("q=dubois&state=proposed", {"Chloé Martin"}),
    ("q=haddad", {"Amíra Haddad"}),
    ("q=haddad&state=proposed", set()),
    ("role=housing_helper", set()),
])
def test_the_matches_list_searches_and_filters(client, login_as, proposal, active_match,
                                               query, names):
    active_match(newcomer_name="Amíra Haddad", volunteer_name="Élodie Bernard")
    proposal(newcomer_name="Chloé Martin", volunteer_name="Claire Dubois")
    login_as("coordinator")
    response = client.get(f"/coordinate/matching/matches?{query}")
    assert response.status_code == 200
    html = page_text(response)
    assert {n for n in ("Amíra Haddad", "Chloé Martin") if n in html} == names


def test_the_matches_list_runs_a_fixed_number_of_queries(client, app, login_as,
                                                         active_match):
    login_as("coordinator")
    active_match()
    with count_queries(app) as few:
        client.get("/coordinate/matching/matches?q=person")
    for _ in range(4):
        active_match()
    with count_queries(app) as many:
        html = page_text(client.get("/coordinate/matching/matches?q=person"))
    assert rows(html) == 5
    assert many.count == few.count


def test_a_cut_volunteer_search_says_so(app, newcomer_request, active_volunteer, client,
                                        login_as):
    _, request_id = newcomer_request("mentor")
    for index in range(3):
        active_volunteer(name=f"Léa Martin {index}")
    with app.test_request_context():
        found = services.search_eligible(db.session.get(BuddyRequest, request_id), "LEA",
                                         limit=2)
    assert (len(found), found.total, found.is_cut) == (2, 3, True)
    login_as("coordinator")
    html = page_text(client.get(f"/coordinate/matching/requests/{request_id}?q=lea"))
    assert "Léa Martin 2" in html and "Showing" not in html  # all three fit


def test_the_suggestions_say_when_more_volunteers_could_take_the_request(
        client, login_as, newcomer_request, active_volunteer):
    _, request_id = newcomer_request("mentor")
    for _ in range(11):  # one more than the suggestions show
        active_volunteer()
    login_as("coordinator")
    html = page_text(client.get(f"/coordinate/matching/requests/{request_id}"))
    assert "Showing the 10 best of 11 volunteers" in html
