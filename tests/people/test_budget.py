"""The budget of the coordinator's people pages (issue 17): at most 8 SQL statements, the
same number for a few or many rows, and at most 30 KB of HTML with more rows than a page
holds."""

from datetime import timedelta

from mentorship.accounts.models import User, UserRole
from mentorship.database import utcnow
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest
from mentorship.privacy.models import ErasureRequest
from mentorship.volunteering.models import Application, Commitment
from tests.conftest import (
    assert_within_budget,
)
from tests.matching.conftest import active_volunteer, newcomer_request, places  # noqa: F401
from tests.messaging.conftest import community  # noqa: F401
from tests.messaging.test_views import _send_many
from tests.people.test_to_call import invite, proposal, without_email  # noqa: F401


def add_people(app, count, start=0):
    """``count`` people each with roles, a current commitment, an open application and a
    current buddy request (every column of the search's row filled)."""
    with app.app_context():
        today = programme_today()
        for number in range(start, start + count):
            user = User(name=f"Budget Person {number:03d} Ñandú-Østergård",
                        email=f"budget.person.{number}@example.org", password_hash="!",
                        roles=[UserRole(role=r) for r in ("resident", "newcomer")])
            db.session.add(user)
            db.session.flush()
            start_date = add_months(today, -1)
            approved = Application(user_id=user.id, role="mentor", status="approved",
                                   motivation="Hi", availability=[], start_date=start_date,
                                   pledge_end_date=add_months(start_date, 6))
            db.session.add_all([
                approved,
                Commitment(user_id=user.id, role="mentor", current_role="mentor",
                           application=approved, status="active", start_date=start_date,
                           end_date=add_months(start_date, 6), min_months=6),
                Application(user_id=user.id, role="housing_helper", status="submitted",
                            open_role="housing_helper", motivation="Also", availability=[],
                            start_date=today, pledge_end_date=add_months(today, 6)),
                BuddyRequest(user_id=user.id, role="language_buddy",
                             current_role="language_buddy", status="open"),
            ])
        db.session.commit()


def add_erasure_requests(app, count, start=0):
    with app.app_context():
        now = utcnow()
        for number in range(start, start + count):
            user = User(name=f"Leaving Person {number:03d}", password_hash="!",
                        email=f"leaving.{number}@example.org",
                        roles=[UserRole(role="resident")])
            db.session.add(user)
            db.session.flush()
            db.session.add(ErasureRequest(user_id=user.id,
                                          requested_at=now - timedelta(hours=number)))
        db.session.commit()




def test_the_people_search(app, client, login_as):
    login_as("coordinator")
    add_people(app, 2)
    html = assert_within_budget(app, client, "/coordinate/people",
                                lambda: add_people(app, 40, start=2))
    assert "43 people" in html and "Next page" in html
    assert "Application as Housing helper" in html


def test_the_people_search_filtered(app, client, login_as):
    login_as("coordinator")
    add_people(app, 2)
    html = assert_within_budget(app, client, "/coordinate/people?q=budget&role=newcomer",
                                lambda: add_people(app, 40, start=2))
    assert "42 people" in html


def test_the_people_to_call(app, client, login_as, make_user, without_email,  # noqa: F811
                            proposal):  # noqa: F811
    login_as("coordinator")

    def add(first, count):
        for number in range(first, first + count):
            invite(app, without_email(make_user("newcomer", name=f"Caller {number:03}")), 2)
        # Some wait for their answer to a buddy proposal.
        for number in range(first, first + max(count // 10, 1)):
            without_email(proposal(f"Answering {number:03}"))

    add(0, 2)
    html = assert_within_budget(app, client, "/coordinate/people/to-call",
                                lambda: add(2, 30))
    assert "36 people to call" in html and "A buddy proposal" in html


def test_the_erasure_requests(app, client, login_as):
    login_as("coordinator")
    add_erasure_requests(app, 2)
    html = assert_within_budget(app, client, "/coordinate/erasure-requests",
                                lambda: add_erasure_requests(app, 30, start=2))
    assert "32 requests waiting" in html and "Next page" in html


def test_the_messages(app, client, login_as, community):  # noqa: F811
    login_as("coordinator")
    _send_many(app, community, 2)
    html = assert_within_budget(app, client, "/coordinate/messages",
                                lambda: _send_many(app, community, 30, first=2))
    assert "Next page" in html
