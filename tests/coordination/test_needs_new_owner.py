"""The coordinator's home lists the open work of people who can no longer log in
("needs a new owner"), in a fixed number of queries, and lets a coordinator take it over;
it also counts the erasure requests waiting."""

from datetime import date, datetime, timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.awards.models import AwardCycle
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest, Match
from mentorship.privacy.models import ErasureRequest
from mentorship.volunteering.models import Application, Commitment
from tests.conftest import count_queries, page_text

TODAY = date.today()


def gone(app, account, erased=False):
    """The account can no longer log in: disabled, or erased."""
    with app.app_context():
        user = db.session.get(User, account.id)
        user.is_enabled, user.disabled_at, user.disabled_reason = False, utcnow(), "Left"
        if erased:
            user.erased_at = utcnow()
        db.session.commit()


def application(app, applicant, owner, status="info_requested"):
    with app.app_context():
        item = Application(user_id=applicant.id, role="mentor",
                           open_role="mentor" if status in ("submitted", "info_requested")
                           else None, status=status, motivation="I like people.",
                           start_date=TODAY, pledge_end_date=TODAY + timedelta(days=200),
                           decided_by_id=owner.id if owner else None, decided_at=utcnow())
        db.session.add(item)
        db.session.commit()
        return item.id


def match(app, volunteer, newcomer, proposer=None, status="proposed"):
    with app.app_context():
        commitment = Commitment(user_id=volunteer.id, role="mentor", status="active",
                                start_date=TODAY, end_date=TODAY + timedelta(days=200),
                                min_months=6)
        request = BuddyRequest(user_id=newcomer.id, role="mentor",
                               status="open" if status == "proposed" else "matched",
                               needs=[], availability=[], preferred_contact="email")
        item = Match(request=request, commitment=commitment, volunteer_id=volunteer.id,
                     newcomer_id=newcomer.id, status=status,
                     proposed_by_id=proposer.id if proposer else None,
                     activated_at=utcnow() if status == "active" else None)
        db.session.add(item)
        db.session.commit()
        return item.id


def cycle(app, year, chair, state="voting"):
    with app.app_context():
        item = AwardCycle(year=year, state=state, nominations_open_on=date(year, 1, 1),
                          nominations_close_on=date(year, 2, 1),
                          voting_deadline=date(year, 3, 1), ceremony_at=datetime(year, 4, 1),
                          chair_id=chair.id)
        db.session.add(item)
        db.session.commit()
        return item.id


def section(html):
    return html.split('id="needs-new-owner"')[1].split("</section>")[0]


def test_open_work_of_a_disabled_or_erased_person_needs_a_new_owner(app, client, login_as,
                                                                   make_user):
    me = login_as("coordinator")
    left = make_user("coordinator", name="Karim Haddad")
    erased = make_user("coordinator", name="Former participant 3")
    active = make_user("coordinator", name="Still Here")
    applicant = make_user("resident", name="Amina Diallo")
    volunteer, newcomer = make_user("resident", name="Vera Volunteer"), make_user(
        "newcomer", name="Nadia Newcomer")
    waiting = application(app, applicant, left)
    answered = application(app, make_user("resident", name="Omar Answered"), erased,
                           status="submitted")
    application(app, make_user("resident", name="Decided Dan"), left, status="approved")
    application(app, make_user("resident", name="Owned Olga"), active)
    proposal = match(app, volunteer, newcomer, proposer=left)
    match(app, make_user("resident"), make_user("newcomer", name="Owned Proposal"),
          proposer=active)
    chaired = cycle(app, 2031, left)
    cycle(app, 2030, left, state="announced")
    buddy_gone = make_user("resident", name="Bruno Buddy")
    ended = match(app, buddy_gone, make_user("newcomer", name="Nour Left Alone"),
                  status="active")
    gone(app, left)
    gone(app, erased, erased=True)
    gone(app, buddy_gone)

    html = page_text(client.get("/coordinate"))
    assert 'data-figure="needs_new_owner">5<' in html
    part = section(html)
    assert f'href="/coordinate/applications/{waiting}"' in part
    assert "Application of Amina Diallo, Mentor" in part and "waiting on Karim Haddad" in part
    assert f'href="/coordinate/applications/{answered}"' in part
    assert "waiting on Former participant 3" in part
    with app.app_context():
        request_id = db.session.get(Match, proposal).request_id
    assert f'href="/coordinate/matching/requests/{request_id}"' in part
    assert "Vera Volunteer for Nadia Newcomer" in part and "proposed by Karim Haddad" in part
    assert f'href="/coordinate/awards/{chaired}"' in part and "Award 2031" in part
    assert "Award 2030" not in part
    assert f'href="/coordinate/matching/matches/{ended}/end"' in part
    assert "Nour Left Alone" in part
    for owned in ("Decided Dan", "Owned Olga", "Owned Proposal", "Still Here"):
        assert owned not in part
    assert me.name not in part


def test_nothing_to_take_over(client, login_as):
    login_as("coordinator")
    html = page_text(client.get("/coordinate"))
    assert 'data-figure="needs_new_owner">0<' in html
    assert "Nothing: all open work has someone who can act on it." in section(html)


def test_a_coordinator_takes_over_an_application_once(app, client, login_as, make_user):
    me = login_as("coordinator")
    left = make_user("coordinator")
    waiting = application(app, make_user("resident", name="Amina Diallo"), left)
    gone(app, left)
    response = client.post(f"/coordinate/new-owner/applications/{waiting}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/coordinate#needs-new-owner"
    html = page_text(client.get("/coordinate"))
    assert "You now own this application." in html
    assert "Amina Diallo" not in section(html)
    with app.app_context():
        assert db.session.get(Application, waiting).decided_by_id == me.id
        events = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == "application.taken_over")).all()
        assert [(e.actor_id, e.record_id, e.data) for e in events] == [
            (me.id, waiting, {"previous_owner_id": left.id})]
    # Again (a double click, or another coordinator first): a message, nothing changes.
    client.post(f"/coordinate/new-owner/applications/{waiting}")
    assert "This no longer needs a new owner." in page_text(client.get("/coordinate"))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "application.taken_over")) == 1


def test_work_whose_owner_can_log_in_is_not_taken_over(app, client, login_as, make_user):
    login_as("coordinator")
    owner = make_user("coordinator")
    waiting = application(app, make_user("resident"), owner)
    proposal = match(app, make_user("resident"), make_user("newcomer"), proposer=owner)
    assert client.post(f"/coordinate/new-owner/applications/{waiting}",
                       headers={"HX-Request": "true"}).status_code == 409
    assert client.post(f"/coordinate/new-owner/proposals/{proposal}").status_code == 303
    with app.app_context():
        assert db.session.get(Application, waiting).decided_by_id == owner.id
        assert db.session.get(Match, proposal).proposed_by_id == owner.id


def test_a_coordinator_takes_over_a_proposal(app, client, login_as, make_user):
    me = login_as("coordinator")
    left = make_user("coordinator")
    proposal = match(app, make_user("resident"), make_user("newcomer"), proposer=left)
    gone(app, left)
    response = client.post(f"/coordinate/new-owner/proposals/{proposal}",
                           headers={"HX-Request": "true",
                                    "HX-Current-URL": "http://localhost/coordinate"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/coordinate#needs-new-owner"
    with app.app_context():
        assert db.session.get(Match, proposal).proposed_by_id == me.id
    assert 'data-figure="needs_new_owner">0<' in page_text(client.get("/coordinate"))


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_only_coordinators_see_and_take_over(app, client, login_as, make_user, role):
    login_as(role)
    left = make_user("coordinator")
    waiting = application(app, make_user("resident"), left)
    proposal = match(app, make_user("resident"), make_user("newcomer"), proposer=left)
    gone(app, left)
    assert client.get("/coordinate").status_code == 403
    assert client.post(f"/coordinate/new-owner/applications/{waiting}").status_code == 403
    assert client.post(f"/coordinate/new-owner/proposals/{proposal}").status_code == 403
    with app.app_context():
        assert db.session.get(Application, waiting).decided_by_id == left.id
        assert db.session.get(Match, proposal).proposed_by_id == left.id


def test_an_administrator_also_sees_it(client, login_as):
    login_as("admin")
    assert client.get("/coordinate").status_code == 200


def add_work(app, how_many, first_year):
    """``how_many`` of each kind of open work, each owned by its own coordinator who can no
    longer log in (built in one go: hashing a password per person would be slow)."""
    with app.app_context():
        def person(label, number):
            return User(name=f"{label} {first_year}-{number}", password_hash="x",
                        email=f"{label}-{first_year}-{number}@example.org".lower())

        for number in range(how_many):
            left = person("Left", number)
            left.is_enabled = False
            applicant, volunteer, other = (person(label, number) for label in (
                "Applicant", "Volunteer", "Other"))
            newcomers = [person("Newcomer", number), person("Alone", number)]
            db.session.add_all([left, applicant, volunteer, other, *newcomers])
            db.session.flush()
            db.session.add(Application(
                user_id=applicant.id, role="mentor", open_role="mentor",
                status="info_requested", motivation="Hello", start_date=TODAY,
                pledge_end_date=TODAY + timedelta(days=200), decided_by_id=left.id))
            for vol, newcomer, status in ((volunteer, newcomers[0], "proposed"),
                                          (left, newcomers[1], "active")):
                db.session.add(Match(
                    request=BuddyRequest(user_id=newcomer.id, role="mentor", status="open",
                                         needs=[], availability=[], preferred_contact="email"),
                    commitment=Commitment(user_id=vol.id, role="mentor", status="active",
                                          start_date=TODAY, min_months=6,
                                          end_date=TODAY + timedelta(days=200)),
                    volunteer_id=vol.id, newcomer_id=newcomer.id, status=status,
                    proposed_by_id=left.id, activated_at=utcnow()))
            db.session.add(AwardCycle(
                year=first_year + number, state="voting", chair_id=left.id,
                nominations_open_on=TODAY, nominations_close_on=TODAY, voting_deadline=TODAY,
                ceremony_at=utcnow()))
        db.session.commit()


def test_the_list_costs_the_same_queries_for_one_or_twenty(app, client, login_as):
    login_as("coordinator")
    add_work(app, 1, 2040)
    with count_queries(app) as one:
        html = page_text(client.get("/coordinate"))
    assert 'data-figure="needs_new_owner">4<' in html
    add_work(app, 19, 2041)
    with count_queries(app) as twenty:
        html = page_text(client.get("/coordinate"))
    assert 'data-figure="needs_new_owner">80<' in html
    # Five of each kind are listed, the oldest first; the figure counts them all.
    assert html.count("Take over") == 10
    for kind in ("applications", "proposals", "cycles", "matches"):
        assert f'data-more="{kind}">15 more' in html
    assert twenty.count == one.count


def test_erasure_requests_waiting_are_counted_and_linked(app, client, login_as, make_user):
    login_as("coordinator")
    with app.app_context():
        for account, status in ((make_user("newcomer"), "requested"),
                                (make_user("resident"), "requested"),
                                (make_user("resident"), "cancelled"),
                                (make_user("newcomer"), "erased")):
            db.session.add(ErasureRequest(user_id=account.id, status=status))
        db.session.commit()
    with app.test_request_context():
        from flask import url_for

        link = url_for("privacy.erasure_requests")
    html = page_text(client.get("/coordinate"))
    assert 'data-figure="erasure_requests">2<' in html
    assert "2 requests wait for a coordinator." in html
    assert f'<a href="{link}">Erasure requests</a>' in html
