"""The coordinator's check-ins page: flagged matches and resolving them, check-ins waiting
for an answer, and who may see it."""

import re

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.checkins import flags, services
from mentorship.checkins.models import Checkin
from mentorship.database import utcnow
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest, Match, MatchFlag
from mentorship.volunteering.models import Commitment
from tests.conftest import count_queries, log_in, page_text

ROUTES = (
    ("get", "/coordinate/checkins"),
    ("get", "/coordinate/checkins/flags/1/resolve"),
    ("post", "/coordinate/checkins/flags/1/resolve"),
    ("get", "/coordinate/checkins/questions"),
    ("get", "/coordinate/checkins/questions/1"),
    ("post", "/coordinate/checkins/questions/1"),
)


def flag_match(app, match_id, checkin_of, reason="very_hard"):
    """Flag ``match_id`` as its newcomer's baseline check-in would; returns the flag id."""
    checkin_id = checkin_of(match_id)
    with app.app_context():
        match = db.session.get(Match, match_id)
        checkin = db.session.get(Checkin, checkin_id)
        flag = flags.raise_flag(match, reason, checkin)
        db.session.commit()
        return flag.id


def flagging(app, active_match, checkin_of):
    """A maker of active matches with an open flag: it returns (coordinator, newcomer,
    volunteer, match id, flag id)."""

    def make(reason="very_hard", **kwargs):
        coordinator, newcomer, volunteer, _, match_id = active_match(**kwargs)
        return coordinator, newcomer, volunteer, match_id, flag_match(
            app, match_id, checkin_of, reason)

    return make


@pytest.fixture
def flagged(app, active_match, checkin_of):
    return flagging(app, active_match, checkin_of)


def field(flag_id):
    return f"flag-{flag_id}-resolution"


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_only_coordinators_see_the_checkins_pages(client, make_user, role):
    log_in(client, make_user(role))
    for method, path in ROUTES:
        response = getattr(client, method)(path, data={"flag-1-resolution": "x"})
        assert response.status_code == 403, (method, path)


def test_anonymous_people_are_sent_to_log_in(client):
    assert client.get("/coordinate/checkins").status_code in (302, 303)


def test_the_page_lists_flagged_matches_with_their_checkin_and_a_resolve_link(
        app, client, flagged):
    coordinator, newcomer, volunteer, match_id, flag_id = flagged(
        newcomer_name="Olena Shevchenko", volunteer_name="Jeanne Martin")
    log_in(client, coordinator)
    html = page_text(client.get("/coordinate/checkins"))
    assert 'data-figure="flagged_matches">1 match needs attention' in html
    card = html[html.index(f'id="match-{match_id}"'):]
    assert f'href="/coordinate/people/{newcomer.id}">Olena Shevchenko<' in card
    assert f'href="/coordinate/people/{volunteer.id}">Jeanne Martin<' in card
    assert "A “very hard” answer in a check-in" in card
    with app.app_context():
        checkin_id = db.session.scalar(db.select(MatchFlag.checkin_id))
    assert f'href="/checkins/{checkin_id}"' in card
    # Each flag links to its own page with the form (the list carries no form per flag).
    assert f'href="/coordinate/checkins/flags/{flag_id}/resolve"' in card
    assert "<form" not in card[:card.index("</li>")]
    assert 'aria-current="page">Check-ins<' in html  # the coordination tab
    assert 'href="/coordinate/checkins/questions"' in html
    page = page_text(client.get(f"/coordinate/checkins/flags/{flag_id}/resolve"))
    assert f'action="/coordinate/checkins/flags/{flag_id}/resolve"' in page
    assert f'name="{field(flag_id)}"' in page and "What was done?" in page
    assert "Olena Shevchenko" in page and "Jeanne Martin" in page
    assert f'href="/checkins/{checkin_id}"' in page
    assert client.get("/coordinate/checkins/flags/999999/resolve").status_code == 404


def test_resolving_records_what_was_done_and_clears_the_flag(app, client, flagged):
    coordinator, _newcomer, _volunteer, match_id, flag_id = flagged()
    log_in(client, coordinator)
    response = client.post(f"/coordinate/checkins/flags/{flag_id}/resolve",
                           data={field(flag_id): "  Called them both; all is well.  "})
    assert response.status_code == 303 and response.location.endswith("/coordinate/checkins")
    html = page_text(client.get("/coordinate/checkins"))
    assert "flag is cleared" in html
    assert "No match needs attention at the moment." in html
    resolved = html[html.index('id="resolved-heading"'):html.index('id="waiting-heading"')]
    assert "Called them both; all is well." in resolved and coordinator.name in resolved
    with app.app_context():
        flag = db.session.get(MatchFlag, flag_id)
        assert flag.resolved_by_id == coordinator.id
        assert flag.resolution == "Called them both; all is well."
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "match.flag_resolved"))
        assert event.actor_id == coordinator.id and event.record_id == match_id


def test_an_empty_resolution_is_refused_next_to_the_field(app, client, flagged):
    coordinator, *_, flag_id = flagged()
    log_in(client, coordinator)
    for text in ("", "   "):
        response = client.post(f"/coordinate/checkins/flags/{flag_id}/resolve",
                               data={field(flag_id): text})
        assert response.status_code == 422
        html = page_text(response)
        assert f'id="{field(flag_id)}-errors"' in html and "Please write what was done." in html
        assert 'aria-invalid="true"' in html
    too_long = "Met them at the office. " * 100
    response = client.post(f"/coordinate/checkins/flags/{flag_id}/resolve",
                           data={field(flag_id): too_long})
    assert response.status_code == 422
    html = page_text(response)
    assert "Please keep this under 2000 characters." in html
    assert too_long.strip() in html  # what was typed is kept
    with app.app_context():
        assert db.session.get(MatchFlag, flag_id).resolved_at is None


def test_resolving_twice_is_refused_and_the_first_resolution_kept(app, client, flagged):
    coordinator, *_, flag_id = flagged()
    log_in(client, coordinator)
    url = f"/coordinate/checkins/flags/{flag_id}/resolve"
    assert client.post(url, data={field(flag_id): "First"}).status_code == 303
    client.get("/coordinate/checkins")  # the confirmation is shown and gone
    response = client.post(url, data={field(flag_id): "Second"})
    assert response.status_code == 409
    assert "This flag was already resolved." in page_text(response)
    with app.app_context():
        assert db.session.get(MatchFlag, flag_id).resolution == "First"
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "match.flag_resolved")) == 1


def test_resolving_a_flag_that_does_not_exist_is_a_404(client, login_as):
    login_as("coordinator")
    response = client.post("/coordinate/checkins/flags/999999/resolve",
                           data={field(999999): "Done"})
    assert response.status_code == 404


def test_waiting_checkins_are_listed_filtered_and_linked(app, client, active_match,
                                                         checkin_of):
    coordinator, newcomer, volunteer, _, match_id = active_match(newcomer_name="Ahmad Nouri")
    with app.app_context():
        db.session.get(User, newcomer.id).email = None
        db.session.commit()
    log_in(client, coordinator)
    html = page_text(client.get("/coordinate/checkins"))
    waiting = html[html.index('id="waiting-heading"'):]
    assert "2 check-ins waiting" in waiting
    newcomer_checkin = checkin_of(match_id)
    assert f'href="/checkins/{newcomer_checkin}">Answer on their behalf' in waiting
    row = waiting[waiting.index(f'href="/coordinate/people/{newcomer.id}"'):]
    assert "No: call them" in row[:row.index("</tr>")]
    html = page_text(client.get("/coordinate/checkins?audience=volunteer&moment=baseline"))
    waiting = html[html.index('id="waiting-heading"'):]
    assert "1 check-in waiting" in waiting
    assert f'href="/checkins/{checkin_of(match_id, "volunteer")}"' in waiting
    assert f'href="/checkins/{newcomer_checkin}"' not in waiting
    html = page_text(client.get("/coordinate/checkins?moment=end"))
    assert "No check-in fits these filters." in html
    # An answered check-in no longer waits; a bad filter is ignored.
    with app.app_context():
        services.finish(newcomer_checkin, db.session.get(User, newcomer.id))
        db.session.commit()
    html = page_text(client.get("/coordinate/checkins?audience=nobody"))
    assert "1 check-in waiting" in html and f'href="/checkins/{newcomer_checkin}"' not in html


def _flag_many(app, count):
    """``count`` flagged matches, made straight in the database (fast)."""
    with app.app_context():
        today = programme_today()
        for number in range(count):
            volunteer = User(name=f"Vol {number}", email=f"vol{number}-{count}@example.org",
                             password_hash="-")
            newcomer = User(name=f"New {number}", email=f"new{number}-{count}@example.org",
                            password_hash="-")
            db.session.add_all([volunteer, newcomer])
            db.session.flush()
            match = Match(
                request=BuddyRequest(user_id=newcomer.id, role="mentor", status="matched",
                                     needs=[], availability=[], preferred_contact="email"),
                commitment=Commitment(user_id=volunteer.id, role="mentor", status="active",
                                      start_date=today, end_date=today, min_months=6),
                volunteer_id=volunteer.id, newcomer_id=newcomer.id, status="active",
                activated_at=utcnow())
            db.session.add(match)
            db.session.flush()
            checkin = Checkin(match_id=match.id, person_id=newcomer.id, audience="newcomer",
                              moment="baseline", opens_on=today, due_on=today)
            db.session.add(checkin)
            db.session.flush()
            db.session.add_all([MatchFlag(match_id=match.id, reason="very_hard",
                                          checkin_id=checkin.id),
                                MatchFlag(match_id=match.id, reason="support",
                                          checkin_id=checkin.id)])
        db.session.commit()


def test_the_page_costs_the_same_queries_for_one_or_fifteen_flagged_matches(
        app, client, login_as):
    login_as("coordinator")
    _flag_many(app, 1)
    client.get("/coordinate/checkins")
    with count_queries(app) as one:
        html = page_text(client.get("/coordinate/checkins"))
    assert "1 match needs attention" in html and "1 check-in waiting" in html
    _flag_many(app, 14)
    with count_queries(app) as fifteen:
        html = page_text(client.get("/coordinate/checkins"))
    assert "15 matches need attention" in html and "15 check-ins waiting" in html
    assert len(re.findall(r'/resolve"', html)) == 20  # ten matches a page, two flags each
    assert fifteen.count == one.count
    html = page_text(client.get("/coordinate/checkins?page=2"))
    assert len(re.findall(r'/resolve\?page=2"', html)) == 10 and "Page 2 of 2" in html
    # The waiting check-ins have pages of their own, the flagged matches' page kept.
    _flag_many(app, 10)
    html = page_text(client.get("/coordinate/checkins?page=2&audience=newcomer"))
    waiting = html[html.index('id="waiting-heading"'):]
    # Ten a page (issue 17: the page stays under 30 KB).
    assert "25 check-ins waiting" in waiting and waiting.count("Answer on their behalf<") == 10
    link = re.search(r'href="(/coordinate/checkins\?[^"]*waiting_page=2[^"]*)"', waiting)
    assert re.search(r"[?;]page=2", link.group(1).replace("&amp;", ";"))
    assert "audience=newcomer" in link.group(1)
    html = page_text(client.get(link.group(1).replace("&amp;", "&")))
    waiting = html[html.index('id="waiting-heading"'):]
    assert waiting.count("Answer on their behalf<") == 10 and "Page 2 of 3" in waiting
    html = page_text(client.get("/coordinate/checkins?page=2&audience=newcomer&waiting_page=3"))
    waiting = html[html.index('id="waiting-heading"'):]
    assert waiting.count("Answer on their behalf<") == 5


def test_a_flag_on_a_later_page_leads_back_to_that_page(app, client, login_as):
    login_as("coordinator")
    _flag_many(app, 12)
    listed = page_text(client.get("/coordinate/checkins?page=2&audience=newcomer"))
    link = re.search(r'href="(/coordinate/checkins/flags/(\d+)/resolve\?[^"]*)"', listed)
    flag_url, flag_id = link.group(1).replace("&amp;", "&"), int(link.group(2))
    assert "page=2" in flag_url and "audience=newcomer" in flag_url
    page = page_text(client.get(flag_url))
    back = re.search(r'href="(/coordinate/checkins\?[^"#]*)#match-\d+">Back to check-ins<',
                     page)
    assert back and "page=2" in back.group(1) and "audience=newcomer" in back.group(1)
    action = re.search(r'<form method="post" action="([^"]+/resolve[^"]*)"', page).group(1)
    assert action.replace("&amp;", "&") == flag_url
    # What is not a page or a filter's choice is not carried on.
    odd = page_text(client.get(f"/coordinate/checkins/flags/{flag_id}/resolve?page=x"
                               "&waiting_page=-3&audience=%3Cb%3E&next=//x"))
    assert re.search(r'href="/coordinate/checkins#match-\d+">Back to check-ins<', odd)
    assert f'action="/coordinate/checkins/flags/{flag_id}/resolve"' in odd
    # Resolving returns to the page the flag was on.
    done = client.post(flag_url, data={field(flag_id): "Called them."})
    assert done.status_code == 303
    assert done.location.endswith("/coordinate/checkins?page=2&audience=newcomer")
    # A page past the last (the list grew shorter since the link was made) shows the last.
    html = page_text(client.get("/coordinate/checkins?page=9&waiting_page=9"))
    flagged = html[html.index('id="flagged-heading"'):html.index('id="resolved-heading"')]
    waiting = html[html.index('id="waiting-heading"'):]
    assert "Page 2 of 2" in flagged and len(re.findall(r"/resolve\?page=2", flagged)) >= 2
    assert "Page 2 of 2" in waiting and waiting.count("Answer on their behalf<") == 2
