"""The coordinators' commitments list: searched by the volunteer's name (any case, with
or without accents), filtered by role, state, neighbourhood and "ending soon", a page at
a time for the same few queries; the sections under it say what they leave out."""

from datetime import timedelta

from mentorship.extensions import db
from mentorship.programme.models import Neighbourhood
from mentorship.volunteering.models import Application, Commitment
from tests.conftest import page_text
from tests.volunteering.conftest import cold_count
from tests.volunteering.test_active_volunteers import active_section


def commitment(app, make_user, today, name, *, role="mentor", status="active", place=None,
               ends_in=150, ended_reason=None):
    """A commitment of a new volunteer, with an approved application in ``place``."""
    account = make_user("resident", name=name)
    with app.app_context():
        application = Application(
            user_id=account.id, role=role, status="approved", motivation="To help.",
            neighbourhood_id=place, availability=["sat-morning"], start_date=today,
            pledge_end_date=today + timedelta(days=183))
        db.session.add(application)
        db.session.flush()
        current = status in ("active", "awaiting_training")
        db.session.add(Commitment(
            user_id=account.id, role=role, status=status, application_id=application.id,
            current_role=role if current else None, start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=ends_in), min_months=6,
            ended_on=today if ended_reason else None, end_reason=ended_reason,
            end_note="Moved to Lyon" if ended_reason else None))
        db.session.commit()
    return account


def other_place(app):
    with app.app_context():
        neighbourhood = Neighbourhood(name="Villeneuve")
        db.session.add(neighbourhood)
        db.session.commit()
        return neighbourhood.id


def listed(client, query=""):
    return active_section(page_text(client.get(f"/coordinate/commitments{query}")))


def test_search_by_name_ignores_case_accents_and_word_order(client, login_as, app, make_user,
                                                            today):
    commitment(app, make_user, today, "Zoé Haddad")
    commitment(app, make_user, today, "Adam Petit")
    login_as("coordinator")
    for query in ("zoe", "HADDAD", "haddad zoé", "Zoe%20Had"):
        found = listed(client, f"?q={query}")
        assert "Zoé Haddad" in found and "Adam Petit" not in found, query
    nothing = listed(client, "?q=nobody")
    assert "No commitment matches these filters." in nothing
    assert "Zoé Haddad" not in listed(client, "?q=%25")  # a typed % is text, not a wildcard


def test_filters_by_role_state_neighbourhood_and_ending_soon(client, login_as, app, make_user,
                                                             today, place):
    villeneuve = other_place(app)
    commitment(app, make_user, today, "Active Berriat", place=place)
    commitment(app, make_user, today, "Active Villeneuve", place=villeneuve,
               role="language_buddy")
    commitment(app, make_user, today, "Ending Berriat", place=place, ends_in=10)
    commitment(app, make_user, today, "Waiting Training", status="awaiting_training")
    commitment(app, make_user, today, "Left Early", status="ended_early",
               ended_reason="moved_away")
    commitment(app, make_user, today, "Served Already", status="completed")
    login_as("coordinator")

    default = listed(client)  # active ones by default
    assert all(name in default for name in ("Active Berriat", "Active Villeneuve",
                                            "Ending Berriat"))
    assert "Waiting Training" not in default and "Left Early" not in default

    by_role = listed(client, "?role=language_buddy")
    assert "Active Villeneuve" in by_role and "Active Berriat" not in by_role
    by_place = listed(client, f"?neighbourhood={place}")
    assert "Active Berriat" in by_place and "Active Villeneuve" not in by_place
    assert "Berriat" in by_place  # the neighbourhood is shown
    ending = listed(client, "?ending_soon=y")
    assert "Ending Berriat" in ending and "Active Berriat" not in ending
    awaiting = listed(client, "?state=awaiting_training")
    assert "Waiting Training" in awaiting and "Active Berriat" not in awaiting
    ended = listed(client, "?state=ended_early")
    assert "Left Early" in ended and "Moved away" in ended and "Moved to Lyon" in ended
    assert "End early" not in ended  # nothing left to end
    everyone = listed(client, "?state=all")
    assert all(name in everyone for name in ("Served Already", "Left Early", "Waiting Training",
                                             "Active Berriat"))
    # A hand-edited URL is a list, not an error.
    odd = client.get("/coordinate/commitments?state=nonsense&neighbourhood=x&role=boss")
    assert odd.status_code == 200 and "Active Berriat" in active_section(page_text(odd))


def test_pages_keep_the_filters_and_the_queries_stay_few(client, login_as, app, make_user,
                                                         today, place):
    login_as("coordinator")
    query = f"?q=mentor&neighbourhood={place}&state=active"
    # One of each kind the page shows (list, waiting, ending soon, ended this year) ...
    commitment(app, make_user, today, "Mentor 000", place=place, ends_in=10)
    commitment(app, make_user, today, "Waiting", status="awaiting_training")
    commitment(app, make_user, today, "Gone", status="ended_early", ended_reason="personal")
    client.get(f"/coordinate/commitments{query}")
    with cold_count(app) as few:
        client.get(f"/coordinate/commitments{query}")
    # ... then many of each: the same number of queries.
    for number in range(1, 30):
        commitment(app, make_user, today, f"Mentor {number:03d}", place=place,
                   ends_in=10 if number % 2 else 150,
                   status="active" if number < 27 else "awaiting_training")
        commitment(app, make_user, today, f"Gone {number}", status="ended_early",
                   ended_reason="personal")
    commitment(app, make_user, today, "Elsewhere Mentor", place=other_place(app))
    with cold_count(app) as many:
        first = page_text(client.get(f"/coordinate/commitments{query}"))
    assert many.count == few.count
    section = active_section(first)
    assert "Mentor 000" in section and "Elsewhere Mentor" not in section
    assert "27 commitments" in first and "Page 1 of 2" in first
    assert "Mentor 024" in section and "Mentor 025" not in section
    second = page_text(client.get(f"/coordinate/commitments{query}&page=2"))
    assert "Mentor 025" in active_section(second)
    next_link = first[first.index('rel="next"') - 200:first.index('rel="next"')]
    assert "q=mentor" in next_link and f"neighbourhood={place}" in next_link


def test_sections_below_say_how_many_they_leave_out(client, login_as, app, make_user, today):
    for number in range(7):
        commitment(app, make_user, today, f"Waiting {number}", status="awaiting_training")
    commitment(app, make_user, today, "Ends Soon", ends_in=5)
    login_as("coordinator")
    html = page_text(client.get("/coordinate/commitments"))
    awaiting = html[html.index('id="awaiting"'):html.index('id="ending"')]
    assert "The first 5 of 7 are shown." in awaiting
    assert "/coordinate/commitments?state=awaiting_training#active" in awaiting
    ending = html[html.index('id="ending"'):html.index('id="ended"')]
    assert "Ends Soon" in ending and "The first" not in ending


def test_a_resident_cannot_list_or_search_commitments(client, login_as):
    login_as("newcomer")
    assert client.get("/coordinate/commitments?q=a").status_code == 403
    login_as("resident")
    assert client.get("/coordinate/commitments?q=a").status_code == 403
