"""/coordinate/people: coordinators find anyone by name, email or phone (accents and case
aside), narrow by role, status and neighbourhood, a page at a time, for the same number
of queries with 10 or 5,000 people; HTMX gets the results block only."""

import pytest

from mentorship.accounts.models import User
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest
from mentorship.privacy import erasure
from mentorship.volunteering.models import Application, Commitment
from tests.conftest import count_queries, page_text

HTMX = {"HX-Request": "true", "HX-Target": "search-results",
        "HX-Current-URL": "http://localhost/coordinate/people"}


def results(client, **args):
    response = client.get("/coordinate/people", query_string=args)
    assert response.status_code == 200
    html = page_text(response)
    return html[html.index('id="search-results"'):]


def set_fields(app, user_id, **values):
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def test_a_name_typed_without_accents_or_capitals_finds_zoe(client, login_as, make_user):
    login_as("coordinator")
    zoe = make_user("resident", name="Zoé Lefèvre")
    make_user("resident", name="Adam Smith")
    for query in ("zoe", "ZOÉ", "lefevre zoe", "  Zoe  "):
        found = results(client, q=query)
        assert "Zoé Lefèvre" in found, query
        assert "Adam Smith" not in found
        assert f'href="/coordinate/people/{zoe.id}"' in found
    assert "Nobody matches this search." in results(client, q="zoey")


def test_other_scripts_are_found_too(client, login_as, make_user):
    login_as("coordinator")
    make_user("newcomer", name="Олександр Петренко")
    make_user("newcomer", name="أمينة حداد")
    assert "Олександр Петренко" in results(client, q="олександр")
    assert "أمينة حداد" in results(client, q="حداد")


def test_part_of_an_email_finds_the_person(client, login_as, make_user):
    login_as("coordinator")
    make_user("resident", name="Inès Moreau", email="ines.moreau@mairie.example")
    make_user("resident", name="Paul Martin")
    found = results(client, q="MOREAU@mairie")
    assert "Inès Moreau" in found and "Paul Martin" not in found
    # LIKE's wildcards are only characters here: "%" finds nobody, not everybody.
    assert "Nobody matches this search." in results(client, q="%")


def test_phone_digits_find_the_person_however_they_are_written(app, client, login_as,
                                                                 make_user):
    login_as("coordinator")
    amira = make_user("resident", name="Amira Haddad")
    set_fields(app, amira.id, phone="+33 6 12 34 56 78")
    make_user("resident", name="Paul Martin")
    for query in ("+33612345678", "06 12 34 56", "12-34-56", "0612345678"):
        found = results(client, q=query)
        assert "Amira Haddad" in found, query
        assert "Paul Martin" not in found
    assert "Nobody matches this search." in results(client, q="06 99 99")


def test_role_status_and_neighbourhood_filters(app, client, login_as, make_user,
                                               people_places):
    login_as("coordinator")
    with app.app_context():
        today = programme_today()
    serving = make_user("resident", name="Serving Volunteer")
    training = make_user("resident", name="Training Volunteer")
    applied = make_user("resident", name="Applied Resident")
    waiting = make_user("newcomer", name="Waiting Newcomer")
    disabled = make_user("resident", name="Disabled Resident")
    with app.app_context():
        start = add_months(today, -1)
        db.session.add_all([
            Commitment(user_id=serving.id, role="mentor", current_role="mentor",
                       status="active", start_date=start, end_date=add_months(start, 6)),
            Commitment(user_id=training.id, role="language_buddy",
                       current_role="language_buddy", status="awaiting_training",
                       start_date=today, end_date=add_months(today, 6)),
            Application(user_id=applied.id, role="housing_helper", status="submitted",
                        open_role="housing_helper", motivation="Hi", availability=[],
                        neighbourhood_id=people_places["Île Verte"], start_date=today,
                        pledge_end_date=add_months(today, 6)),
            BuddyRequest(user_id=waiting.id, role="mentor", current_role="mentor",
                         status="open", neighbourhood_id=people_places["Berriat"]),
        ])
        db.session.get(User, disabled.id).is_enabled = False
        db.session.get(User, serving.id).neighbourhood_id = people_places["Berriat"]
        db.session.commit()

    def names(**args):
        found = results(client, **args)
        return {name for name in ("Serving Volunteer", "Training Volunteer", "Applied Resident",
                                  "Waiting Newcomer", "Disabled Resident") if name in found}

    assert names(role="newcomer") == {"Waiting Newcomer"}
    assert names(status="serving") == {"Serving Volunteer"}
    assert names(status="awaiting_training") == {"Training Volunteer"}
    assert names(status="applied") == {"Applied Resident"}
    assert names(status="waiting_buddy") == {"Waiting Newcomer"}
    assert names(status="disabled") == {"Disabled Resident"}
    assert "Disabled Resident" not in names(status="enabled")
    # The account's neighbourhood, or the one given on an application or a request.
    assert names(neighbourhood=people_places["Berriat"]) == {"Serving Volunteer",
                                                             "Waiting Newcomer"}
    assert names(neighbourhood=people_places["Île Verte"]) == {"Applied Resident"}
    assert names(role="resident", status="serving", q="serving") == {"Serving Volunteer"}
    # A hand-edited filter is ignored, not an error.
    assert len(names(role="pope", status="nonsense", neighbourhood="x")) == 5

    row_of = results(client, q="Waiting Newcomer")
    assert "Buddy request (Mentor): Looking for a buddy" in row_of and "Berriat" in row_of
    row_of = results(client, q="Training Volunteer")
    assert "Language buddy: Waiting for training" in row_of
    assert "Account disabled" in results(client, q="Disabled Resident")


def test_results_come_a_page_at_a_time_with_the_filters_kept(client, login_as, people_bulk):
    login_as("coordinator")
    people_bulk(30)
    first = results(client, q="bulk")
    assert "30 people" in first
    assert "Bulk 00024" in first and "Bulk 00025" not in first
    assert "Page 1 of 2" in first
    assert 'href="/coordinate/people?page=2&amp;q=bulk"' in first
    second = results(client, q="bulk", page=2)
    assert "Bulk 00025" in second and "Bulk 00024" not in second
    beyond = results(client, q="bulk", page=9)
    assert "30 people" in beyond and "Nobody matches this search." in beyond
    assert "Bulk 00000" in results(client, q="bulk", page=-3)
    assert "Nobody matches this search." in results(client, q="bulk " + "x" * 400)


def test_an_erased_person_shows_as_erased_with_no_data(app, client, login_as, make_user):
    login_as("coordinator")
    account = make_user("resident", name="Zoé Erased", email="zoe.erased@example.org")
    set_fields(app, account.id, phone="+33 6 55 44 33 22")
    with app.app_context():
        erasure.erase(db.session.get(User, account.id))
        db.session.commit()
    found = results(client, status="erased")
    assert "Erased person" in found and "Erased on" in found
    assert f'href="/coordinate/people/{account.id}"' in found
    for secret in ("Zoé", "zoe.erased", "55 44", "erased.invalid", "Former participant"):
        assert secret not in found
    assert "Nobody matches this search." in results(client, q="zoe erased")


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_only_coordinators_and_admins_may_search(client, login_as, role):
    login_as(role)
    assert client.get("/coordinate/people").status_code == 403
    assert client.get("/coordinate/people?q=a", headers=HTMX).status_code == 403


def test_admins_may_search_and_visitors_are_sent_to_log_in(client, login_as):
    assert client.get("/coordinate/people").status_code in (302, 303)
    login_as("admin")
    assert client.get("/coordinate/people").status_code == 200


def test_an_htmx_search_gets_the_results_block_only(client, login_as, make_user):
    login_as("coordinator")
    make_user("resident", name="Zoé Lefèvre")
    response = client.get("/coordinate/people?q=zoe", headers=HTMX)
    assert response.status_code == 200
    html = page_text(response).lstrip()
    assert html.startswith('<div id="search-results">')
    assert "Zoé Lefèvre" in html and "<html" not in html and 'role="search"' not in html
    assert "HX-Request" in response.headers["Vary"]
    # The whole page, without JavaScript: a GET form with htmx on top.
    page = page_text(client.get("/coordinate/people?q=zoe"))
    assert '<form method="get" action="/coordinate/people"' in page
    assert 'hx-target="#search-results"' in page and "<h1>" in page


def test_the_search_costs_the_same_queries_for_10_or_5000_people(app, client, login_as,
                                                                   people_bulk, make_user):
    login_as("coordinator")
    people_bulk(10)
    waiting = make_user("newcomer", name="Bulk waiting")
    with app.app_context():
        db.session.add(BuddyRequest(user_id=waiting.id, role="mentor", current_role="mentor",
                                    status="open"))
        db.session.commit()
    paths = ("/coordinate/people", "/coordinate/people?q=bulk&status=enabled",
             "/coordinate/people?q=06+00&role=resident")
    for path in paths:
        client.get(path)
    few = []
    for path in paths:
        with count_queries(app) as counter:
            assert client.get(path).status_code == 200
        few.append(counter.count)
    people_bulk(4990, start=10)
    many, pages = [], []
    for path in paths:
        with count_queries(app) as counter:
            pages.append(page_text(client.get(path)))
        many.append(counter.count)
    assert many == few
    assert "5002 people" in pages[0] and "Page 1 of 201" in pages[0]
    assert "5001 people" in pages[1], pages[1][pages[1].index('class="count"'):][:300]
