from contextlib import contextmanager
from datetime import date, timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.programme.models import Neighbourhood
from mentorship.reports.cache import forget
from mentorship.volunteering import services
from tests.conftest import count_queries


@contextmanager
def cold_count(app):
    """``count_queries`` of a request that counts the figures kept in memory again
    (reports.cache: the commitments page's sections), as after any write."""
    with app.app_context():
        forget()
    with count_queries(app) as counter:
        yield counter


@pytest.fixture
def today(app):
    with app.app_context():
        return programme_today()


@pytest.fixture
def place(app):
    with app.app_context():
        neighbourhood = Neighbourhood(name="Berriat")
        db.session.add(neighbourhood)
        db.session.commit()
        return neighbourhood.id


@pytest.fixture
def apply_for(app, place, today):
    """Submit an application through the service; returns its id."""

    def submit(account, role="mentor", start=None, **changes):
        with app.app_context():
            user = db.session.get(User, account.id)
            fields = dict(
                motivation="I would love to help someone settle in.",
                languages=[("fr", "native"), ("ar", "B1")],
                neighbourhood_id=place, availability=["tue-evening", "sat-morning"],
                start_date=start or today + timedelta(days=7), pledge=True, today=today,
            )
            fields.update(changes)
            application = services.submit_application(user, services.get_role(role), **fields)
            db.session.commit()
            return application.id

    return submit


def form_data(place, start, **changes):
    data = {
        "motivation": "I arrived here myself years ago.",
        "languages-0-language": "fr",
        "languages-0-level": "native",
        "neighbourhood": str(place),
        "availability": ["tue-evening", "thu-evening"],
        "start_date": start.isoformat() if isinstance(start, date) else start,
        "pledge": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}
