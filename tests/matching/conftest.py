import pytest

from mentorship.accounts.models import LanguageSkill, User
from mentorship.dates import add_months, programme_today
from mentorship.extensions import db
from mentorship.matching import services
from mentorship.programme.models import Neighbourhood
from mentorship.volunteering.models import APPROVED, Application, Commitment


@pytest.fixture
def places(app):
    with app.app_context():
        rows = [Neighbourhood(name=n) for n in ("Berriat", "Île Verte")]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


@pytest.fixture
def active_volunteer(app, make_user, places):
    """A resident with an active commitment (and the application it came from)."""

    def make(role="mentor", languages=(("fr", "native"),), place=0,
             availability=("tue-evening",), months_left=6, name=None):
        account = make_user("resident", name=name, languages=languages)
        with app.app_context():
            today = programme_today()
            end = add_months(today, months_left)
            start = add_months(end, -6)
            application = Application(
                user_id=account.id, role=role, status=APPROVED, motivation="Hi",
                neighbourhood_id=places[place], availability=list(availability),
                start_date=start, pledge_end_date=end)
            commitment = Commitment(user_id=account.id, role=role, current_role=role,
                                    application=application, status="active",
                                    start_date=start, end_date=end, min_months=6)
            db.session.add_all([application, commitment])
            db.session.commit()
            account.commitment_id = commitment.id
        return account

    return make


@pytest.fixture
def newcomer_request(app, make_user, places):
    """A newcomer and their open request; returns (account, request id)."""

    def make(role="mentor", languages=(("fr", "A2"), ("ar", "native")), place=0,
             availability=("tue-evening", "thu-evening"), target=None, name=None):
        account = make_user("newcomer", name=name, languages=languages)
        with app.app_context():
            user = db.session.get(User, account.id)
            request = services.create_request(
                user, role, languages=[(s.language, s.level) for s in user.languages],
                target_language=target, needs=["procedures"], note="",
                neighbourhood_id=places[place], availability=list(availability),
                preferred_contact="phone")
            db.session.commit()
            return account, request.id

    return make


def skills(*pairs):
    return [LanguageSkill(language=c, level=lvl) for c, lvl in pairs]


@pytest.fixture
def proposal(app, make_user, newcomer_request, active_volunteer):
    """A proposal waiting for answers; returns (coordinator, newcomer, volunteer,
    request id, match id)."""

    def make(role="mentor", newcomer_name=None, volunteer_name=None, place=0, **volunteer):
        coordinator = make_user("coordinator")
        newcomer, request_id = newcomer_request(role, name=newcomer_name, place=place)
        volunteer = active_volunteer(role=role, name=volunteer_name, **volunteer)
        with app.app_context():
            match = services.propose(db.session.get(User, coordinator.id), request_id,
                                     volunteer.commitment_id, note="Chosen by hand")
            db.session.commit()
            return coordinator, newcomer, volunteer, request_id, match.id

    return make


@pytest.fixture
def active_match(app, proposal):
    """An active match (both said yes); returns what ``proposal`` returns."""

    def make(**kwargs):
        made = proposal(**kwargs)
        _, newcomer, volunteer, _, match_id = made
        with app.app_context():
            for account in (volunteer, newcomer):
                services.respond(db.session.get(User, account.id), match_id, True)
            db.session.commit()
        return made

    return make
