"""The nominee search: nothing cut without saying so, names only, a fixed number of
queries however many volunteers served."""

from mentorship.accounts.models import User
from mentorship.awards import services
from mentorship.awards.models import AwardCycle
from mentorship.extensions import db
from mentorship.reports.cache import forget
from tests.conftest import count_queries, log_in, page_text


def test_the_count_says_how_many_match_beyond_the_list(app, cycle, served):
    cycle_id, _, _ = cycle
    nominator = served(name="Nadia Nominator")
    for number in range(25):
        served(name=f"Volunteer {number:02d}")
    served(name="Élodie Volunteer 50%")
    with app.app_context():
        item = db.session.get(AwardCycle, cycle_id)
        listed = services.eligible_nominees(item, "volunteer", excluding=nominator.id)
        assert len(listed) == services.NOMINEE_RESULTS
        assert services.eligible_nominee_count(item, "volunteer", excluding=nominator.id) == 26
        assert services.eligible_nominee_count(item, "", excluding=nominator.id) == 26
        assert services.eligible_nominee_count(item, "") == 27
        # A % typed in the search is a character, not "anything".
        assert [p.name for p in services.eligible_nominees(item, "50%")] == [
            "Élodie Volunteer 50%"]
        assert services.eligible_nominees(item, "9%") == []


def test_the_page_says_showing_20_of_n_and_the_nominator_is_not_offered(app, client, cycle,
                                                                      served):
    nominator = served(name="Aaron Nominator")
    for number in range(24):
        served(name=f"Volunteer {number:02d}")
    log_in(client, nominator)
    html = page_text(client.get("/awards"))
    assert "Showing 20 of 24 volunteers" in html
    assert "type more of the name" in html
    assert "Aaron Nominator</option>" not in html
    assert html.count("<option value=") - html.count('<option value="">') >= 20


def test_no_email_or_phone_finds_a_nominee(app, client, cycle, served):
    served(name="Hidden Address", email="findable.by.mail@example.org")
    log_in(client, served(name="Nadia Nominator"))
    html = page_text(client.get("/awards?q=findable"))
    assert "Hidden Address" not in html


def test_the_award_page_query_count_does_not_grow_with_volunteers(app, client, cycle,
                                                                  served):
    nominator = served(name="Nadia Nominator")
    for number in range(25):
        served(name=f"Volunteer {number:02d}")
    log_in(client, nominator)
    client.get("/awards")
    # The unsearched list is kept in memory (reports.cache): the budget holds for the
    # request that reads it again.
    with app.app_context():
        forget()
    with count_queries(app) as few:
        assert client.get("/awards").status_code == 200
    for number in range(25, 80):
        served(name=f"Volunteer {number:02d}")
    with app.app_context():
        forget()
    with count_queries(app) as many:
        html = page_text(client.get("/awards"))
    assert "Showing 20 of 80 volunteers" in html
    assert many.count == few.count


def test_a_chosen_person_beyond_the_list_stays_chosen(app, client, cycle, served):
    """A nominee chosen from an earlier search stays selected after an invalid post."""
    cycle_id, categories, _ = cycle
    nominator = served(name="Nadia Nominator")
    for number in range(22):
        served(name=f"Volunteer {number:02d}")
    late = served(name="Zacharie Last")
    log_in(client, nominator)
    from tests.conftest import csrf_token_from

    token = csrf_token_from(client.get("/awards").get_data(as_text=True))
    response = client.post("/awards/nominate", data={
        "csrf_token": token, "category": str(categories["mentor_of_the_year"]),
        "nominee": str(late.id), "citation": "too short", "q": ""})
    assert response.status_code == 422
    assert f'<option selected value="{late.id}">Zacharie Last</option>' in page_text(response)
    with app.app_context():
        assert db.session.get(User, late.id) is not None


def test_the_unsearched_list_is_kept_but_never_shows_the_nominator_or_a_decline(app, cycle,
                                                                               served):
    """Without a search the list is the same for everyone and kept in memory: the
    nominator is left out after, and a decline (a write) shows at once."""
    from mentorship.awards.models import Decline

    cycle_id, _, _ = cycle
    first = served(name="Aaron First")
    for number in range(22):
        served(name=f"Volunteer {number:02d}")
    with app.app_context():
        item = db.session.get(AwardCycle, cycle_id)
        people, total = services.nominee_choices(item, "")
        assert people[0].name == "Aaron First" and total == 23
        people, total = services.nominee_choices(item, "", excluding=first.id)
        assert "Aaron First" not in [p.name for p in people]
        assert len(people) == services.NOMINEE_RESULTS and total == 22
        db.session.add(Decline(cycle_id=cycle_id, user_id=first.id))
        db.session.commit()
        people, total = services.nominee_choices(item, "")
        assert "Aaron First" not in [p.name for p in people] and total == 22


def test_the_nominee_list_is_written_as_wtforms_would(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import widgets

    from mentorship.awards.forms import NominationForm
    from mentorship.formtools import choices

    with app.test_request_context():
        form = NominationForm(formdata=MultiDict({"nominee": "7"}))
        form.nominee.choices = choices([("", "Choose a volunteer"),
                                        ("7", 'Zoé "Z" <b>&amp;</b>'), ("8", "O'Neil")])
        assert str(form.nominee()) == str(widgets.Select()(form.nominee))
        assert '<option selected value="7">' in str(form.nominee())
