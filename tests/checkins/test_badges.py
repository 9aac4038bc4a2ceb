"""A flagged match shows a "needs attention" badge wherever coordinators see it, until the
flag is resolved; the lists cost the same queries however many are flagged."""

import re

import pytest

from mentorship.checkins.models import Checkin
from mentorship.extensions import db
from mentorship.reports.cache import forget
from tests.conftest import count_queries, log_in, page_text

from .test_coordinate import _flag_many, field, flagging


@pytest.fixture
def flagged(app, active_match, checkin_of):
    return flagging(app, active_match, checkin_of)


BADGE = ('href="/coordinate/checkins">Needs attention: A “very hard” answer in a '
         'check-in</a>')


def section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    end = html.find("<h2", start + 1)
    return html[start:end if end != -1 else None]


def test_the_badge_shows_everywhere_until_the_flag_is_resolved(app, client, flagged):
    coordinator, newcomer, volunteer, match_id, flag_id = flagged(
        newcomer_name="Olena Shevchenko", volunteer_name="Jeanne Martin")
    log_in(client, coordinator)
    with app.app_context():
        checkin_id = db.session.scalar(db.select(Checkin.id).where(
            Checkin.match_id == match_id, Checkin.person_id == newcomer.id))

    html = page_text(client.get("/coordinate/matching/matches"))
    assert BADGE in html
    html = page_text(client.get("/coordinate/matching"))
    assert '<a href="/coordinate/checkins">1 match needs attention</a>' in html
    for person in (newcomer, volunteer):
        html = page_text(client.get(f"/coordinate/people/{person.id}"))
        assert BADGE in section(html, "matching-heading")
    checkins = section(page_text(client.get(f"/coordinate/people/{newcomer.id}")),
                       "checkins-heading")
    assert f'href="/checkins/{checkin_id}">At the start</a>' in checkins
    assert "match with Jeanne Martin: Waiting for an answer" in checkins
    html = page_text(client.get("/coordinate"))
    assert 'data-figure="matches_needing_attention">1<' in html
    assert (f'href="/coordinate/checkins#match-{match_id}">Jeanne Martin · Olena Shevchenko</a>'
            ": A “very hard” answer in a check-in") in html
    assert 'href="/coordinate/checkins">Matches that need attention</a>' in html

    response = client.post(f"/coordinate/checkins/flags/{flag_id}/resolve",
                           data={field(flag_id): "Met them both at the office."})
    assert response.status_code == 303

    assert "Needs attention" not in page_text(client.get("/coordinate/matching/matches"))
    assert "need attention" not in page_text(client.get("/coordinate/matching"))
    for person in (newcomer, volunteer):
        assert "Needs attention" not in page_text(client.get(f"/coordinate/people/{person.id}"))
    html = page_text(client.get("/coordinate"))
    assert 'data-figure="matches_needing_attention">0<' in html
    assert "No match is flagged by a check-in." in html


def test_the_lists_cost_the_same_queries_however_many_matches_are_flagged(app, client,
                                                                          login_as):
    login_as("coordinator")
    _flag_many(app, 1)
    paths = ("/coordinate/matching/matches", "/coordinate/matching", "/coordinate")
    for path in paths:
        client.get(path)
    few = []
    for path in paths:
        # Figures kept in memory (reports.cache, on /coordinate) are counted again: the
        # budget holds for the request that counts them.
        with app.app_context():
            forget()
        with count_queries(app) as counter:
            assert client.get(path).status_code == 200
        few.append(counter.count)
    _flag_many(app, 14)
    many = []
    for path in paths:
        with app.app_context():
            forget()
        with count_queries(app) as counter:
            html = page_text(client.get(path))
        many.append(counter.count)
    assert many == few
    assert "15 matches need attention" in page_text(client.get("/coordinate/matching"))
    html = page_text(client.get("/coordinate/matching/matches"))
    assert len(re.findall("Needs attention: ", html)) == 30  # two reasons on each of 15
    html = page_text(client.get("/coordinate"))
    assert 'data-figure="matches_needing_attention">15<' in html
    oldest = html[html.index('class="flagged-oldest"'):]
    assert oldest[:oldest.index("</ul>")].count("<li>") == 5


def test_the_person_page_costs_the_same_queries_with_or_without_flags(app, client, flagged):
    coordinator, newcomer, _volunteer, _match_id, flag_id = flagged()
    log_in(client, coordinator)
    path = f"/coordinate/people/{newcomer.id}"
    client.get(path)
    with count_queries(app) as flagged_page:
        assert BADGE in page_text(client.get(path))
    client.post(f"/coordinate/checkins/flags/{flag_id}/resolve",
                data={field(flag_id): "Done"})
    client.get(path)
    with count_queries(app) as resolved_page:
        assert BADGE not in page_text(client.get(path))
    assert resolved_page.count == flagged_page.count
