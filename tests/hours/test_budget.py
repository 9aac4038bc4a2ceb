"""The performance budget of the hours pages (issue 17): at most 8 SQL statements per
page, the same number whatever the data, and at most 30 KB of HTML with more rows than a
page holds."""


import pytest

from mentorship.accounts.models import User, UserRole
from mentorship.dates import add_months
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.matching.models import BuddyRequest, Match
from mentorship.programme.models import Neighbourhood
from mentorship.volunteering.models import Commitment
from tests.conftest import MAX_BYTES, MAX_QUERIES, count_queries, log_in, page_text


def _person(number, role, neighbourhood_id=None):
    user = User(name=f"Bulk {role} {number} Long-Family-Name", email=f"bulk-{role}-{number}@x.org",
                locale="en", neighbourhood_id=neighbourhood_id, password_hash="x")
    user.roles = [UserRole(role=role)]
    return user


def add_volunteers(app, today, count, *, entries=2, status="pending", start=0,
                   neighbourhood_id=None):
    """``count`` volunteers, each with a commitment, an active match with a newcomer and
    ``entries`` entries (with that match) of ``status``; returns the volunteers' ids."""
    ids = []
    with app.app_context():
        for n in range(start, start + count):
            volunteer = _person(n, "resident", neighbourhood_id)
            newcomer = _person(n, "newcomer")
            commitment = Commitment(user=volunteer, role="mentor", current_role="mentor",
                                    status="active", start_date=add_months(today, -2),
                                    end_date=add_months(today, 4), min_months=6)
            request = BuddyRequest(user=newcomer, role="mentor", current_role="mentor",
                                   status="matched", needs=["customs"], availability=[],
                                   preferred_contact="email")
            match = Match(request=request, commitment=commitment, volunteer=volunteer,
                          newcomer=newcomer, status="active")
            db.session.add_all([volunteer, newcomer, commitment, request, match])
            for e in range(entries):
                db.session.add(HourEntry(user=volunteer, commitment=commitment, match=match,
                                         day=today.replace(day=1), minutes=90 + e,
                                         activity="meeting", status=status,
                                         note="A long walk around the city and a coffee"))
            db.session.flush()
            ids.append(volunteer.id)
        db.session.commit()
    return ids


def measure(app, client, path):
    with count_queries(app) as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count, response


@pytest.fixture
def place(app):
    with app.app_context():
        row = Neighbourhood(name="Berriat")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_the_volunteers_hours_page_keeps_its_budget(app, client, matched_volunteer, today):
    volunteer, _, match_id = matched_volunteer()
    log_in(client, volunteer)
    with app.app_context():
        commitment_id = db.session.get(Match, match_id).commitment_id
        db.session.add(HourEntry(user_id=volunteer.id, commitment_id=commitment_id,
                                 match_id=match_id, day=today, minutes=60,
                                 activity="meeting", status="approved"))
        db.session.commit()
    few, _ = measure(app, client, "/hours")
    assert few <= MAX_QUERIES
    # More matches (each a line of the per-newcomer totals) and a busy month: more
    # entries than a page holds.
    with app.app_context():
        for n in range(5):
            newcomer = _person(n, "newcomer")
            request = BuddyRequest(user=newcomer, role="mentor", current_role="mentor",
                                   status="matched", needs=["customs"], availability=[],
                                   preferred_contact="email")
            match = Match(request=request, commitment_id=commitment_id,
                          volunteer_id=volunteer.id, newcomer=newcomer, status="active")
            db.session.add_all([newcomer, request, match])
            db.session.flush()
            for e in range(8):
                db.session.add(HourEntry(user_id=volunteer.id, commitment_id=commitment_id,
                                         match_id=match.id, day=today,
                                         minutes=30 + e, activity="meeting",
                                         note="We visited the town hall and the library"))
        db.session.commit()
    many, response = measure(app, client, "/hours")
    assert many == few
    assert len(response.data) < MAX_BYTES
    html = page_text(response)
    assert html.count('class="entry status-') == 25  # a page of the month
    assert "Page 1 of 2" in html
    # The second page of the month, and the page that changes an entry on it.
    second, response = measure(app, client, f"/hours?month={today:%Y-%m}&page=2")
    assert second == few and page_text(response).count('class="entry status-') == 16
    with app.app_context():
        oldest = db.session.scalar(db.select(HourEntry.id).where(
            HourEntry.user_id == volunteer.id, HourEntry.status == "pending")
            .order_by(HourEntry.day, HourEntry.id))
    html = page_text(client.get(f"/hours/{oldest}/edit"))
    assert f'action="/hours/{oldest}/edit"' in html


@pytest.mark.parametrize("path", [
    "/coordinate/hours",
    "/coordinate/hours?role=mentor&neighbourhood={place}&month={month}",
    "/coordinate/hours/approved",
])
def test_the_coordinators_hours_pages_keep_their_budget(app, client, make_user, today,
                                                       place, path):
    path = path.format(place=place, month=f"{today:%Y-%m}")
    status = "approved" if "approved" in path else "pending"
    log_in(client, make_user("coordinator"))
    add_volunteers(app, today, 2, status=status, neighbourhood_id=place)
    few, response = measure(app, client, path)
    assert few <= MAX_QUERIES
    assert page_text(response).count('<th scope="row">') == 4
    add_volunteers(app, today, 30, status=status, start=2, neighbourhood_id=place)
    many, response = measure(app, client, path)
    assert many == few
    assert len(response.data) < MAX_BYTES
    html = page_text(response)
    assert html.count('<th scope="row">') == 25
    assert "Page 1 of 3" in html


def test_the_queue_filters_by_neighbourhood_and_month(app, client, make_user, today, place):
    log_in(client, make_user("coordinator"))
    add_volunteers(app, today, 1, neighbourhood_id=place)
    add_volunteers(app, today, 1, start=1)  # no neighbourhood
    with app.app_context():
        old = add_months(today.replace(day=1), -2)
        db.session.scalars(db.select(HourEntry)).first().day = old
        db.session.commit()
    html = page_text(client.get(f"/coordinate/hours?neighbourhood={place}"))
    assert '<label for="neighbourhood">' in html and '<label for="month">' in html
    assert "2 entries waiting" in html
    html = page_text(client.get(f"/coordinate/hours?month={old:%Y-%m}"))
    assert "1 entry waiting" in html
    html = page_text(client.get(f"/coordinate/hours?month={today:%Y-%m}&neighbourhood={place}"))
    assert "1 entry waiting" in html
    # A month that is not offered is ignored, as any hand-edited filter.
    html = page_text(client.get("/coordinate/hours?month=1999-13"))
    assert "4 entries waiting" in html
