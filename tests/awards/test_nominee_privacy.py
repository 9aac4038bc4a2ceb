"""Nominee choices come only from eligible volunteers, on every path that takes a
person's id: a posted id never shows the name of a newcomer, a staff member, or a
disabled or erased account."""

import pytest

from mentorship.accounts.models import User
from mentorship.awards import services
from mentorship.awards.models import (
    AwardCategory,
    AwardCycle,
    Juror,
    Nomination,
    Shortlisted,
    Vote,
)
from mentorship.database import utcnow
from mentorship.extensions import db
from tests.awards.helpers import CITATION, nominate, set_state, shortlisted_cycle, vote
from tests.conftest import log_in, page_text


def disable(app, account, erase=False):
    with app.app_context():
        person = db.session.get(User, account.id)
        person.is_enabled = False
        if erase:
            person.erased_at = utcnow()
        db.session.commit()


@pytest.fixture
def hidden(app, make_user, served, cycle):
    """People whose name must never come out of an award page: a newcomer, a coordinator,
    a disabled volunteer, an erased volunteer and one who declined (all served this year
    except the first two)."""
    cycle_id, _, _ = cycle
    people = {
        "newcomer": make_user("newcomer", name="Hidden Newcomer"),
        "coordinator": make_user("coordinator", name="Hidden Staff"),
        "disabled": served(name="Hidden Disabled"),
        "erased": served(name="Hidden Erased"),
        "declined": served(name="Hidden Decliner"),
    }
    disable(app, people["disabled"])
    disable(app, people["erased"], erase=True)
    with app.app_context():
        services.decline(db.session.get(User, people["declined"].id), cycle_id)
        db.session.commit()
    return people


def names_in(response, people):
    html = page_text(response)
    return [p.name for p in people if p.name in html]


def not_staff(hidden):
    """The people a coordinator's award page must not name: staff names are on it (the
    jury form), so the hidden coordinator is left out there."""
    return [person for key, person in hidden.items() if key != "coordinator"]


def test_a_posted_nominee_id_never_reveals_a_name(client, cycle, served, hidden):
    cycle_id, categories, _ = cycle
    eligible = served(name="Visible Volunteer")
    log_in(client, served())
    for person in [*hidden.values(), eligible]:
        response = client.post("/awards/nominate", data={
            "category": str(categories["mentor_of_the_year"]), "nominee": str(person.id),
            "citation": "short", "q": "zzz-no-match"})
        assert response.status_code == 422
        shown = person.name in page_text(response)
        assert shown == (person is eligible), person.name


def test_a_complete_nomination_of_someone_not_eligible_is_refused_without_the_name(
        app, client, cycle, served, hidden):
    _, categories, _ = cycle
    log_in(client, served())
    for person in hidden.values():
        response = client.post("/awards/nominate", data={
            "category": str(categories["mentor_of_the_year"]), "nominee": str(person.id),
            "citation": CITATION}, follow_redirects=True)
        assert response.status_code == 422
        assert not names_in(response, hidden.values())
    with app.app_context():
        assert not db.session.scalar(db.select(Nomination.id))


def test_the_nominee_search_lists_eligible_volunteers_only(client, cycle, served, hidden):
    served(name="Hidden Visible")
    log_in(client, served())
    html = page_text(client.get("/awards?q=hidden"))
    assert "Hidden Visible" in html
    assert not [p.name for p in hidden.values() if p.name in html]


def test_the_service_refuses_a_disabled_or_erased_nominee(app, cycle, served, hidden):
    cycle_id, categories, _ = cycle
    for key in ("disabled", "erased"):
        with pytest.raises(services.AwardError, match="cannot be nominated"):
            nominate(app, served(), cycle_id, categories["mentor_of_the_year"], hidden[key])
    with app.app_context():
        assert services.eligible_nominees(db.session.get(AwardCycle, cycle_id), "hidden") == []


def test_shortlisting_takes_nominees_only(app, client, cycle, served, hidden):
    cycle_id, categories, jurors = cycle
    category_id = categories["mentor_of_the_year"]
    later_disabled = served(name="Later Disabled")
    nominate(app, served(), cycle_id, category_id, later_disabled)
    disable(app, later_disabled)
    set_state(app, cycle_id, "shortlisting")
    log_in(client, jurors[0])
    people = [*not_staff(hidden), later_disabled]
    for person in people:
        response = client.post(f"/coordinate/awards/categories/{category_id}/shortlist",
                               data={"nominee": str(person.id)}, follow_redirects=True)
        assert "Only nominees of this category" in page_text(response)
        assert not names_in(response, people)
    with app.app_context():
        assert not db.session.scalar(db.select(Shortlisted.id))


def test_votes_and_the_chairs_choice_take_shortlisted_nominees_only(app, client, cycle,
                                                                    served, hidden):
    cycle_id, category_id, jurors, first, second = shortlisted_cycle(app, cycle, served)
    disable(app, second)
    log_in(client, jurors[0])
    people = [*not_staff(hidden), second]
    for person in [*hidden.values(), second]:
        response = client.post("/awards/vote", data={
            "category": str(category_id), "nominee": str(person.id), "score": "5"},
            follow_redirects=True)
        assert "This person is not on the shortlist." in page_text(response)
        assert not names_in(response, people)
        response = client.post(f"/coordinate/awards/categories/{category_id}/tie-break",
                               data={"nominee": str(person.id), "reason": "Because"},
                               follow_redirects=True)
        assert "Choose one of the tied nominees." in page_text(response)
        assert not names_in(response, people)
    # The juror's ballot no longer lists the disabled nominee.
    assert "Second Nominee" not in page_text(client.get("/awards"))
    with app.app_context():
        assert not db.session.scalar(db.select(Vote.id))
        assert db.session.get(AwardCategory, category_id).tie_break_winner_id is None
    vote(app, jurors[0], category_id, first, 5)  # the shortlist itself still works


def test_the_jury_takes_enabled_staff_only(app, client, cycle, make_user, hidden):
    cycle_id, _, jurors = cycle
    gone = make_user("coordinator", name="Disabled Coordinator")
    disable(app, gone)
    log_in(client, jurors[0])
    page = page_text(client.get(f"/coordinate/awards/{cycle_id}"))
    assert "Disabled Coordinator" not in page and "Hidden Newcomer" not in page
    for person in (gone, hidden["newcomer"]):
        response = client.post(f"/coordinate/awards/{cycle_id}/jury", data={
            "jurors": [str(jurors[0].id), str(person.id)], "chair": str(jurors[0].id)})
        assert response.status_code == 422
        assert person.name not in page_text(response)
    with app.app_context():
        assert {j.user_id for j in db.session.scalars(db.select(Juror))} == {
            j.id for j in jurors}
