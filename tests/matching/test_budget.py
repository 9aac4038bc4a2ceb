"""The performance budget of the matching pages (issue 17): at most 8 SQL statements per
page, the same number whatever the data, and at most 30 KB of HTML with more rows than a
page holds."""

import pytest

from mentorship.accounts.models import LanguageSkill, User, UserRole
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.matching.models import BuddyRequest, Match
from mentorship.volunteering.models import APPROVED, Application, Commitment
from tests.conftest import MAX_BYTES, MAX_QUERIES, count_queries, log_in, page_text


def measure(app, client, path):
    with count_queries(app) as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.count, response


class Bulk:
    """People and records added straight to the database, many at a time."""

    def __init__(self, app, places):
        self.app, self.places, self.number = app, places, 0

    def person(self, role, languages=(("fr", "native"), ("en", "B2"))):
        self.number += 1
        user = User(name=f"Bulk Person-{role} {self.number} Family-Name",
                    email=f"bulk{self.number}@x.org", locale="en", password_hash="x",
                    neighbourhood_id=self.places[0], phone="+33 6 00 00 00 00")
        user.roles = [UserRole(role=role)]
        user.languages = [LanguageSkill(language=c, level=lvl) for c, lvl in languages]
        db.session.add(user)
        return user

    def volunteer(self, role="mentor"):
        today = programme_today()
        user = self.person("resident")
        end = add_months(today, 8)
        application = Application(user=user, role=role, status=APPROVED, motivation="Hi",
                                  neighbourhood_id=self.places[0],
                                  availability=["tue-evening", "thu-evening"],
                                  start_date=add_months(end, -6), pledge_end_date=end)
        commitment = Commitment(user=user, role=role, current_role=role,
                                application=application, status="active",
                                start_date=add_months(end, -6), end_date=end, min_months=6)
        db.session.add_all([application, commitment])
        return commitment

    def request(self, role="mentor", newcomer=None, status="open"):
        newcomer = newcomer or self.person("newcomer", (("fr", "A2"), ("ar", "native")))
        request = BuddyRequest(user=newcomer, role=role,
                               current_role=role if status in ("open", "matched") else None,
                               status=status, needs=["procedures"],
                               neighbourhood_id=self.places[0],
                               availability=["tue-evening"], preferred_contact="email")
        db.session.add(request)
        return request

    def match(self, request, commitment, status="active"):
        match = Match(request=request, commitment=commitment, volunteer=commitment.user,
                      newcomer=request.user, status=status)
        db.session.add(match)
        return match

    def add(self, make, count, **kwargs):
        with self.app.app_context():
            made = [make(self, **kwargs) for _ in range(count)]
            db.session.commit()
            return [m.id for m in made]


@pytest.fixture
def bulk(app, places):
    return Bulk(app, places)


def open_request(bulk):
    return bulk.request()


def proposed_request(bulk):
    request = bulk.request()
    bulk.match(request, bulk.volunteer(), status="proposed")
    return request


def active_match(bulk):
    return bulk.match(bulk.request(status="matched"), bulk.volunteer())


def declined_then_matched(bulk):
    """A request whose first proposal was declined, with a volunteer taking a place."""
    request = bulk.request()
    bulk.match(request, bulk.volunteer(), status="declined")
    return bulk.match(bulk.request(status="matched"), bulk.volunteer())


@pytest.mark.parametrize(("path", "make", "per_page"), [
    ("/coordinate/matching", open_request, 20),
    ("/coordinate/matching?state=proposed", proposed_request, 20),
    ("/coordinate/matching?q=bulk&role=mentor", proposed_request, 20),
    ("/coordinate/matching/matches", active_match, 25),
    ("/coordinate/matching/matches?state=proposed&q=bulk", proposed_request, 25),
])
def test_the_coordinators_lists_keep_their_budget(app, client, make_user, bulk, path, make,
                                                 per_page):
    log_in(client, make_user("coordinator"))
    bulk.add(make, 2)
    few, response = measure(app, client, path)
    assert few <= MAX_QUERIES
    assert page_text(response).count('<th scope="row">') == 2
    bulk.add(make, per_page + 10)
    many, response = measure(app, client, path)
    assert many == few
    assert len(response.data) < MAX_BYTES
    assert page_text(response).count('<th scope="row">') == per_page


def test_the_suggestions_page_keeps_its_budget(app, client, make_user, bulk):
    log_in(client, make_user("coordinator"))
    [request_id] = bulk.add(open_request, 1)
    with app.app_context():
        request = db.session.get(BuddyRequest, request_id)
        bulk.match(request, bulk.volunteer(), status="declined")
        bulk.volunteer()
        db.session.commit()
    path = f"/coordinate/matching/requests/{request_id}"
    few, _ = measure(app, client, path)
    few_search, _ = measure(app, client, f"{path}?q=bulk")
    assert few <= MAX_QUERIES and few_search <= MAX_QUERIES
    # Many more volunteers: eligible ones, some with matches, some who declined this
    # request, some of another role.
    bulk.add(lambda b: b.volunteer(), 30)
    bulk.add(declined_then_matched, 10)
    bulk.add(lambda b: b.volunteer("language_buddy"), 10)
    with app.app_context():
        request = db.session.get(BuddyRequest, request_id)
        for _ in range(5):
            bulk.match(request, bulk.volunteer(), status="declined")
        db.session.commit()
    many, response = measure(app, client, path)
    assert many == few
    assert len(response.data) < MAX_BYTES
    html = page_text(response)
    assert html.count('class="card candidate"') == 10 and "Earlier proposals" in html
    many_search, response = measure(app, client, f"{path}?q=bulk")
    assert many_search == few_search
    assert len(response.data) < MAX_BYTES
    assert page_text(response).count('class="card candidate"') == 30  # 10 + 20 found


def test_the_newcomers_buddy_page_keeps_its_budget(app, client, bulk):
    with app.app_context():
        newcomer = bulk.person("newcomer")
        newcomer.set_password("demo-password-2026")
        first = bulk.request(newcomer=newcomer, status="matched")
        match = bulk.match(first, bulk.volunteer())
        db.session.commit()
        email, match_id, first_id = newcomer.email, match.id, first.id

    class Account:
        password = "demo-password-2026"

    Account.email = email
    log_in(client, Account)
    few, _ = measure(app, client, "/buddy")
    assert few <= MAX_QUERIES
    # Earlier proposals that were declined, other kinds of help, time to confirm.
    with app.app_context():
        newcomer = db.session.scalar(db.select(User).where(User.email == email))
        first = db.session.get(BuddyRequest, first_id)
        for _ in range(6):
            bulk.match(first, bulk.volunteer(), status="declined")
        for role in ("language_buddy", "housing_helper"):
            request = bulk.request(role, newcomer=newcomer)
            bulk.match(request, bulk.volunteer(role), status="proposed")
        match = db.session.get(Match, match_id)
        for day in range(1, 6):
            db.session.add(HourEntry(user_id=match.volunteer_id, match_id=match.id,
                                     commitment_id=match.commitment_id, minutes=60,
                                     activity="meeting", status="pending",
                                     day=programme_today().replace(day=day)))
        db.session.commit()
    many, response = measure(app, client, "/buddy")
    assert many == few
    assert len(response.data) < MAX_BYTES
