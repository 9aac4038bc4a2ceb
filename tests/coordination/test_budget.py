"""The coordinator's home within the performance budget (issue 17): at most 8 statements
per request, the same however much the programme holds, and under 30 KB of HTML; its
one-query figures mean what reports.services.dashboard's figures mean."""

import re
from datetime import timedelta

from mentorship.accounts.models import User, UserRole
from mentorship.checkins.models import Checkin
from mentorship.coordination import dashboard
from mentorship.database import utcnow
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.matching.models import BuddyRequest, Match, MatchFlag
from mentorship.privacy.models import ErasureRequest
from mentorship.reports import services as reports
from mentorship.volunteering.models import ROLE_CODES, Application, Commitment
from tests.conftest import MAX_BYTES, count_queries, page_text
from tests.conftest import MAX_QUERIES as BUDGET
from tests.coordination.test_needs_new_owner import add_work


def add_programme(app, how_many, tag):
    """``how_many`` of everything the home counts or lists: volunteers with their roles
    and commitments, hours approved and waiting, applications, open requests, active
    matches flagged by check-ins (two flags each), erasure requests."""
    with app.app_context():
        today = programme_today()
        for number in range(how_many):
            role = ROLE_CODES[number % len(ROLE_CODES)]
            volunteer, newcomer, applicant = (
                User(name=f"{label} {tag}-{number}", password_hash="-",
                     email=f"{label}-{tag}-{number}@example.org".lower())
                for label in ("Volunteer", "Newcomer", "Applicant"))
            db.session.add_all([volunteer, newcomer, applicant])
            db.session.flush()
            db.session.add_all([UserRole(user_id=volunteer.id, role="resident"),
                                UserRole(user_id=newcomer.id, role="newcomer"),
                                UserRole(user_id=applicant.id, role="resident")])
            commitment = Commitment(user_id=volunteer.id, role=role, status="active",
                                    current_role=role, start_date=today - timedelta(days=30),
                                    end_date=today + timedelta(days=10 + number),
                                    min_months=6)
            match = Match(
                request=BuddyRequest(user_id=newcomer.id, role=role, status="matched",
                                     needs=[], availability=[], preferred_contact="email"),
                commitment=commitment, volunteer_id=volunteer.id, newcomer_id=newcomer.id,
                status="active", activated_at=utcnow())
            db.session.add(match)
            db.session.add(BuddyRequest(user_id=newcomer.id, role=role, status="open",
                                        needs=[], availability=[], preferred_contact="email"))
            db.session.add(Application(
                user_id=applicant.id, role=role, open_role=role, status="submitted",
                motivation="Hello", start_date=today,
                pledge_end_date=today + timedelta(days=200)))
            db.session.add_all([
                HourEntry(user_id=volunteer.id, day=today, minutes=90, activity="other",
                          status="approved"),
                HourEntry(user_id=volunteer.id, day=today, minutes=30, activity="other",
                          status="pending")])
            db.session.add(ErasureRequest(user_id=applicant.id, status="requested",
                                          requested_at=utcnow()))
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


def load(app, client):
    with count_queries(app) as counted:
        response = client.get("/coordinate")
    assert response.status_code == 200
    return counted.count, page_text(response), len(response.data)


def figures_of(html):
    return re.findall(r'data-figure="(\w+)">(\d+)<', html)


def test_the_home_stays_within_the_budget_however_much_there_is(app, client, login_as):
    """Counted (after any write) within the budget, the same however much there is; kept
    (nothing written since) at the cost of any signed-in page."""
    login_as("coordinator")
    client.get("/coordinate")  # the first request of a test fills caches (settings)
    add_programme(app, 1, "a")
    add_work(app, 1, 2040)  # a write: the next request counts again
    few, html, _size = load(app, client)
    assert few <= BUDGET
    assert 'data-figure="matches_needing_attention">1<' in html
    assert 'data-figure="needs_new_owner">4<' in html
    kept, kept_html, _size = load(app, client)
    assert kept <= 2  # the user with their roles, the settings: the rest from memory
    assert figures_of(kept_html) == figures_of(html)
    assert len(figures_of(html)) >= 10
    add_programme(app, 30, "b")
    add_work(app, 5, 2050)
    many, html, size = load(app, client)
    assert many == few
    assert 'data-figure="matches_needing_attention">31<' in html
    assert 'data-figure="applications_waiting">37<' in html
    assert 'data-figure="erasure_requests">31<' in html
    assert 'data-figure="needs_new_owner">24<' in html
    assert size < MAX_BYTES, size
    add_work(app, 30, 2100)  # more work needing a new owner than the home lists
    most, html, size = load(app, client)
    assert most == few
    assert 'data-figure="needs_new_owner">144<' in html
    assert size < MAX_BYTES, size


def test_the_figures_mean_what_the_reports_dashboard_means(app, make_user):
    """Odd and even numbers of matches this year (the median), and every other figure."""
    add_programme(app, 3, "c")
    add_work(app, 1, 2060)
    with app.app_context():
        today = programme_today()
        for days, number in ((2, 0), (9, 1), (4, 2)):
            request = db.session.scalars(db.select(BuddyRequest).join(Match).where(
                Match.id == db.select(Match.id).order_by(Match.id).offset(number).limit(1)
                .scalar_subquery())).one()
            request.created_at = utcnow() - timedelta(days=days)
        db.session.commit()
        for _ in range(2):
            expected, got = reports.dashboard(today), dashboard.figures(today)
            cycle = expected.pop("cycle")
            assert got["cycle"].year == cycle.year
            assert got["cycle"].state_label == cycle.state_label
            assert {key: got[key] for key in expected} == expected
            assert expected["median_days_to_match"] is not None
            # An even number of waits next time.
            db.session.execute(db.update(Match).where(Match.id == db.select(func_max_id())
                                                      .scalar_subquery())
                               .values(activated_at=None))
            db.session.commit()


def func_max_id():
    return db.func.max(Match.id)
