"""Check-in tests reuse the matching fixtures (a real match, made through the services)."""

import pytest

from mentorship.accounts.models import User
from mentorship.checkins.models import Checkin
from mentorship.extensions import db
from tests.matching.conftest import (  # noqa: F401  (fixtures)
    active_match,
    active_volunteer,
    newcomer_request,
    places,
    proposal,
)


@pytest.fixture
def checkin_of(app):
    """The id of the check-in of ``match_id`` for ``audience`` at ``moment``."""

    def find(match_id, audience="newcomer", moment="baseline"):
        with app.app_context():
            return db.session.scalar(db.select(Checkin.id).where(
                Checkin.match_id == match_id, Checkin.audience == audience,
                Checkin.moment == moment))

    return find


def user(account):
    return db.session.get(User, account.id)
