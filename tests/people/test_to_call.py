"""The coordinator's "to call" list: people without email with something waiting."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from mentorship.accounts.models import User
from mentorship.database import utcnow
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.matching import services
from mentorship.people.models import Invitation
from mentorship.training.models import Enrollment, TrainingSession
from mentorship.volunteering.models import Commitment
from tests.conftest import count_queries, page_text
from tests.matching.conftest import active_volunteer, newcomer_request, places  # noqa: F401


@pytest.fixture
def without_email(app):
    def forget(account, phone="+33 6 00 00 00 00"):
        with app.app_context():
            user = db.session.get(User, account.id)
            user.email, user.phone = None, phone
            db.session.commit()
        return account

    return forget


@pytest.fixture
def proposal(app, make_user, active_volunteer, newcomer_request):  # noqa: F811
    coordinator = make_user("coordinator")

    def make(name, newcomer_accepts=False):
        account, request_id = newcomer_request(name=name)
        volunteer = active_volunteer()
        with app.app_context():
            match = services.propose(db.session.get(User, coordinator.id), request_id,
                                     volunteer.commitment_id)
            db.session.commit()
            if newcomer_accepts:
                services.respond(db.session.get(User, account.id), match.id, accept=True)
                db.session.commit()
        return account

    return make


def invite(app, account, days_left):
    with app.app_context():
        now = utcnow()
        db.session.add(Invitation(user_id=account.id, code_hash=f"h{account.id}",
                                  created_at=now - timedelta(days=30 - days_left),
                                  expires_at=now + timedelta(days=days_left)))
        db.session.commit()


def to_call_page(client, page=1):
    return client.get("/coordinate/people/to-call", query_string={"page": page})


def test_the_list_shows_people_without_email_who_must_answer(
        app, client, login_as, make_user, make_module, active_volunteer, proposal,  # noqa: F811
        without_email):
    waiting = without_email(proposal("Amira Haddad"))
    without_email(proposal("Bilal Answered", newcomer_accepts=True))
    proposal("Chloé Hasemail")
    expiring = without_email(make_user("newcomer", name="Dana Expiring"))
    invite(app, expiring, days_left=3)
    fresh = without_email(make_user("newcomer", name="Emil Fresh"))
    invite(app, fresh, days_left=20)
    ending = without_email(active_volunteer(name="Farah Ending"), phone=None)
    module = make_module()
    trainee = without_email(make_user("resident", name="Gaspard Training"))
    gone = without_email(proposal("Hana Disabled"))
    with app.app_context():
        commitment = db.session.get(Commitment, ending.commitment_id)
        commitment.end_date = programme_today() + timedelta(days=10)
        session = TrainingSession(module_id=module, starts_at=utcnow() + timedelta(hours=20),
                                  ends_at=utcnow() + timedelta(hours=22), capacity=10)
        db.session.add(session)
        db.session.flush()
        db.session.add(Enrollment(session_id=session.id, user_id=trainee.id))
        db.session.get(User, gone.id).is_enabled = False
        db.session.commit()
    login_as("coordinator")
    response = to_call_page(client)
    html = page_text(response)
    assert response.status_code == 200
    names = [name for name in ("Amira Haddad", "Bilal Answered", "Chloé Hasemail",
                               "Dana Expiring", "Emil Fresh", "Farah Ending",
                               "Gaspard Training", "Hana Disabled") if name in html]
    assert names == ["Amira Haddad", "Dana Expiring", "Farah Ending", "Gaspard Training"]
    assert "4 people to call" in html
    assert f'href="/coordinate/people/{waiting.id}"' in html
    assert "+33 6 00 00 00 00" in html and "No phone number" in html
    assert "A buddy proposal (Mentor) to accept or decline" in html
    assert "Their invitation expires on" in html
    assert f'href="/coordinate/people/{expiring.id}/invitation"' in html
    assert "Their commitment ends on" in html
    assert "Training “Welcoming newcomers” on" in html


def test_the_list_is_paginated_with_a_fixed_number_of_queries(
        app, client, login_as, make_user, without_email):
    login_as("coordinator")

    def add(first, count):
        for number in range(first, first + count):
            invite(app, without_email(make_user("newcomer", name=f"Person {number:03}")), 2)

    def cost():
        with count_queries(app) as counter:
            assert to_call_page(client).status_code == 200
        return counter.count

    add(0, 2)
    small = cost()
    add(2, 30)
    assert cost() == small
    first, second = page_text(to_call_page(client)), page_text(to_call_page(client, 2))
    assert "32 people to call" in first and "Page 1 of 2" in first
    assert "Next page" in first and "Person 031" in second and "Person 031" not in first


def test_an_expired_invitation_stays_until_a_new_one(app, client, login_as, make_user,
                                                     without_email):
    person = without_email(make_user("newcomer", name="Ines Expired"))
    invite(app, person, days_left=-2)
    login_as("coordinator")
    assert "Their invitation expired on" in page_text(to_call_page(client))
    with app.app_context():
        db.session.scalar(select(Invitation)).replaced_at = utcnow()
        db.session.commit()
    assert "Ines Expired" not in page_text(to_call_page(client))
