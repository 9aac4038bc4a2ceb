from datetime import date, datetime, timedelta

import pytest

from mentorship.accounts.models import User
from mentorship.awards import cycles, services
from mentorship.awards.models import AwardCategory, AwardCycle, Juror, Shortlisted
from mentorship.dates import programme_today
from mentorship.extensions import db
from tests.awards.helpers import (
    CITATION,
    agree,
    announce,
    nominate,
    set_state,
    shortlisted_cycle,
    vote,
)
from tests.conftest import log_in, page_text

AwardError = services.AwardError


def test_each_state_change_and_its_date_guard(app, make_user, today):
    admin = make_user("coordinator")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        item = cycles.create_cycle(
            actor, year=2031, nominations_open_on=today + timedelta(days=1),
            nominations_close_on=today + timedelta(days=10),
            voting_deadline=today + timedelta(days=20), ceremony_at=datetime(2031, 12, 1),
            ceremony_place="Hall", descriptions={}, shortlist_size=3)
        db.session.commit()
        with pytest.raises(AwardError, match="Nominations can open from"):
            cycles.advance(actor, item.id, today)
        cycles.advance(actor, item.id, today + timedelta(days=1))
        with pytest.raises(AwardError, match="stay open until"):
            cycles.advance(actor, item.id, today + timedelta(days=5))
        cycles.advance(actor, item.id, today + timedelta(days=11))
        assert item.state == "shortlisting"
        with pytest.raises(AwardError, match="Name the jury first"):
            cycles.advance(actor, item.id, today + timedelta(days=12))
        item.jurors = [Juror(user_id=admin.id)]
        with pytest.raises(AwardError, match="Shortlist at least one"):
            cycles.advance(actor, item.id, today + timedelta(days=12))
        db.session.add(Shortlisted(category_id=item.categories[0].id, nominee_id=admin.id))
        cycles.advance(actor, item.id, today + timedelta(days=12))
        assert item.state == "voting"
        with pytest.raises(AwardError, match="Voting is open until"):
            cycles.advance(actor, item.id, today + timedelta(days=15))
        cycles.advance(actor, item.id, today + timedelta(days=21))
        assert item.state == "announced"
        with pytest.raises(AwardError, match="already announced"):
            cycles.advance(actor, item.id, today + timedelta(days=22))


def test_nomination_rules(app, cycle, served, make_user):
    cycle_id, categories, _ = cycle
    nominator, nominee = served(name="Nominator"), served(name="Nominee")
    with pytest.raises(AwardError, match="cannot nominate yourself"):
        nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], nominator)
    with pytest.raises(AwardError, match="did not volunteer in this role"):
        nominate(app, nominator, cycle_id, categories["housing_helper_of_the_year"], nominee)
    with pytest.raises(AwardError, match="did not volunteer in"):
        nominate(app, nominator, cycle_id, categories["mentor_of_the_year"],
                 make_user("resident"))
    with pytest.raises(AwardError, match="Only newcomers"):
        nominate(app, nominator, cycle_id, categories["newcomers_choice"], nominee)
    with pytest.raises(AwardError, match="between 50 and 2000"):
        nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], nominee,
                 citation="Too short")
    nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], nominee)
    # One per nominator and category: a second one replaces (edits) the first.
    other = served(name="Other")
    nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], other)
    with app.app_context():
        from mentorship.awards.models import Nomination

        rows = db.session.scalars(db.select(Nomination)).all()
        assert [(r.nominee_id, r.nominator_id) for r in rows] == [(other.id, nominator.id)]
    newcomer = make_user("newcomer")
    nominate(app, newcomer, cycle_id, categories["newcomers_choice"], nominee)


def test_nominations_outside_the_window_are_refused(app, cycle, served, today):
    cycle_id, categories, _ = cycle
    nominator, nominee = served(), served()
    with pytest.raises(AwardError, match="not open"):
        nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], nominee,
                 today=today + timedelta(days=6))
    set_state(app, cycle_id, "shortlisting")
    with pytest.raises(AwardError, match="not open"):
        nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], nominee)


def test_nominee_is_told_but_not_by_whom(app, cycle, served, outbox):
    cycle_id, categories, _ = cycle
    nominator, nominee = served(name="Secret Admirer"), served()
    nominate(app, nominator, cycle_id, categories["mentor_of_the_year"], nominee)
    message = outbox[-1]
    assert message["To"] == nominee.email
    assert "Secret Admirer" not in message.get_body(("plain",)).get_content()



def test_juror_conflicts(app, cycle, served, make_user):
    cycle_id, category_id, jurors, first, second = shortlisted_cycle(app, cycle, served)
    with pytest.raises(AwardError, match="You nominated this person"):
        vote(app, jurors[1], category_id, second, 5)
    vote(app, jurors[0], category_id, first, 4)
    with pytest.raises(AwardError, match="already voted"):
        vote(app, jurors[0], category_id, first, 5)
    with pytest.raises(AwardError, match="Only jurors"):
        vote(app, make_user("coordinator"), category_id, first, 5)
    with pytest.raises(AwardError, match="1 to 5"):
        vote(app, jurors[1], category_id, first, 6)
    with app.app_context():
        from mentorship.awards.models import Juror as J

        db.session.add(J(cycle_id=cycle_id, user_id=first.id))
        db.session.commit()
    with pytest.raises(AwardError, match="vote for yourself"):
        vote(app, first, category_id, first, 5)


def test_tally_with_ties(app, cycle, served, make_user):
    cycle_id, category_id, jurors, first, second = shortlisted_cycle(app, cycle, served)
    vote(app, jurors[0], category_id, first, 4)
    vote(app, jurors[0], category_id, second, 4)
    with app.app_context():
        category = db.session.get(AwardCategory, category_id)
        # Same mean: the one with more nominations wins (first has two, second one).
        assert services.tally(category)["winner_id"] == first.id
        # Make the nomination count equal too: now the chair must choose.
        from mentorship.awards.models import Nomination

        db.session.delete(db.session.scalars(db.select(Nomination).where(
            Nomination.nominee_id == first.id)).first())
        db.session.commit()
        result = services.tally(category)
        assert result["needs_chair"] and set(result["tied"]) == {first.id, second.id}
        with pytest.raises(AwardError, match="Only the jury's chair"):
            services.chair_decides(db.session.get(User, jurors[1].id), category_id, second.id,
                                   "Because")
        services.chair_decides(db.session.get(User, jurors[0].id), category_id, second.id,
                               "More hours given")
        db.session.commit()
        assert services.tally(category)["winner_id"] == second.id


def test_decline_removes_the_nominee_everywhere_public(app, client, cycle, served, make_user,
                                                       today):
    cycle_id, category_id, jurors, first, second = shortlisted_cycle(app, cycle, served)
    agree(app, first, cycle_id)
    agree(app, second, cycle_id)
    with app.app_context():
        services.decline(db.session.get(User, second.id), cycle_id)
        db.session.commit()
        assert not db.session.scalar(db.select(Shortlisted.id).where(
            Shortlisted.nominee_id == second.id))
    vote(app, jurors[0], category_id, first, 5)
    announce(app, cycle_id, jurors[0], today)
    html = page_text(client.get(f"/awards/{today.year}"))
    assert "First Nominee" in html and "Winner" in html
    assert "Second Nominee" not in html


def test_public_page_shows_nothing_before_the_announcement(client, cycle, today):
    assert client.get(f"/awards/{today.year}").status_code == 404


def test_public_page_hides_non_shortlisted(app, client, cycle, served, make_user, today):
    cycle_id, categories, jurors = cycle
    category_id = categories["mentor_of_the_year"]
    kept, left_out = served(name="Kept Person"), served(name="Left Out")
    nominate(app, served(), cycle_id, category_id, kept)
    nominate(app, served(), cycle_id, category_id, left_out)
    agree(app, kept, cycle_id)
    agree(app, left_out, cycle_id)
    set_state(app, cycle_id, "shortlisting")
    with app.app_context():
        services.shortlist(db.session.get(User, jurors[0].id), category_id, [kept.id])
        db.session.commit()
    set_state(app, cycle_id, "announced")
    html = page_text(client.get(f"/awards/{today.year}"))
    assert "Kept Person" in html and "Left Out" not in html


def test_announcing_invites_shortlisted_with_an_ics(app, cycle, served, make_user, outbox,
                                                    today):
    cycle_id, category_id, jurors, first, second = shortlisted_cycle(app, cycle, served)
    vote(app, jurors[0], category_id, first, 5)
    announce(app, cycle_id, jurors[0], today)
    invitations = [m for m in outbox if "ceremony" in m["Subject"]]
    assert {m["To"] for m in invitations} == {first.email, second.email}
    attachment = next(invitations[0].iter_attachments())
    assert attachment.get_filename() == "ceremony.ics"
    from icalendar import Calendar

    assert Calendar.from_ical(attachment.get_content()).walk("VEVENT")


@pytest.mark.parametrize("role", ["resident", "newcomer", "partner"])
def test_coordinator_award_pages_refuse_others(client, login_as, role, cycle):
    cycle_id, _, _ = cycle
    login_as(role)
    for path in ("/coordinate/awards", f"/coordinate/awards/{cycle_id}",
                 "/coordinate/awards/new"):
        assert client.get(path).status_code == 403


def test_nomination_form_errors_keep_the_citation(app, client, cycle, served):
    cycle_id, categories, _ = cycle
    nominee = served(name="Good Person")
    log_in(client, served())
    response = client.post("/awards/nominate", data={
        "category": str(categories["mentor_of_the_year"]), "nominee": str(nominee.id),
        "citation": "Too short but kept"})
    assert response.status_code == 422
    html = page_text(response)
    assert "Please write between 50 and 2000 characters." in html
    assert "Too short but kept" in html


def test_past_years_remain_visible(app, client, make_user):
    admin = make_user("coordinator")
    with app.app_context():
        old = cycles.create_cycle(
            db.session.get(User, admin.id), year=2020, nominations_open_on=date(2020, 9, 1),
            nominations_close_on=date(2020, 10, 1), voting_deadline=date(2020, 11, 1),
            ceremony_at=datetime(2020, 12, 1), ceremony_place="Hall", descriptions={},
            shortlist_size=3)
        old.state = "announced"
        db.session.commit()
    assert client.get("/awards/2020").status_code == 200


def test_a_second_vote_is_refused_without_undoing_the_rest(app, cycle, served, make_user):
    cycle_id, category_id, jurors, first, second = shortlisted_cycle(app, cycle, served)
    with app.app_context():
        from mentorship.awards.models import Vote

        juror = db.session.get(User, jurors[0].id)
        services.vote(juror, category_id, first.id, 4)
        juror.name = "Changed in the same transaction"
        with pytest.raises(AwardError, match="already voted"):
            services.vote(juror, category_id, first.id, 5)
        services.vote(juror, category_id, second.id, 3)  # the transaction is still usable
        db.session.commit()
        assert sorted(db.session.execute(db.select(Vote.nominee_id, Vote.score)).all()) == (
            sorted([(first.id, 4), (second.id, 3)]))
        assert db.session.get(User, jurors[0].id).name == "Changed in the same transaction"


def test_a_refused_vote_is_explained_where_the_juror_is(app, client, cycle, served, make_user):
    cycle_id, category_id, jurors, first, second = shortlisted_cycle(app, cycle, served)
    log_in(client, jurors[0])
    data = {"category": str(category_id), "nominee": str(first.id), "score": "9"}
    response = client.post("/awards/vote", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#messages"
    assert "A score from 1 to 5, please." in page_text(response)
    response = client.post("/awards/vote", data={**data, "score": "5"}, follow_redirects=True)
    assert "Your vote is recorded." in page_text(response)
    response = client.post("/awards/vote", data=data, follow_redirects=True)
    assert "A score from 1 to 5, please." in page_text(response)


def test_a_nomination_refused_by_the_database_keeps_the_callers_transaction(app, cycle, served):
    from mentorship.awards.models import Nomination

    cycle_id, categories, _ = cycle
    nominator, nominee = served(name="Nominator"), served(name="Nominee")
    category_id = categories["mentor_of_the_year"]
    with app.app_context():
        user = db.session.get(User, nominator.id)
        user.name = "Changed in the same transaction"
        # Sent twice at the same moment: the other one is not visible to the check yet.
        twin = Nomination(cycle_id=cycle_id, category_id=category_id,
                          nominator_id=nominator.id, nominee_id=nominee.id, citation=CITATION)
        with db.session.no_autoflush:
            db.session.add(twin)
            with pytest.raises(AwardError, match="already nominated someone"):
                services.nominate(user, cycle_id, category_id, nominee.id, CITATION,
                                  programme_today())
        db.session.commit()
    with app.app_context():
        assert db.session.get(User, nominator.id).name == "Changed in the same transaction"
        assert db.session.scalar(db.select(db.func.count()).select_from(Nomination)) == 1


def test_the_jury_can_be_saved_again_with_the_same_people(app, client, make_user, cycle):
    cycle_id, _, jurors = cycle
    third = make_user("coordinator")
    log_in(client, jurors[0])
    for chosen, chair in (([jurors[0], jurors[1], third], third), ([jurors[1]], jurors[1]),
                          ([jurors[0], jurors[1]], jurors[0])):
        response = client.post(f"/coordinate/awards/{cycle_id}/jury", data={
            "jurors": [str(j.id) for j in chosen], "chair": str(chair.id)})
        assert response.status_code == 303
        with app.app_context():
            saved = db.session.get(AwardCycle, cycle_id)
            assert sorted(j.user_id for j in saved.jurors) == sorted(j.id for j in chosen)
            assert saved.chair_id == chair.id
    response = client.post(f"/coordinate/awards/{cycle_id}/jury", data={
        "jurors": [str(jurors[0].id)], "chair": str(third.id)})
    assert response.status_code == 422
    assert "The chair must be one of the jurors." in page_text(response)


def test_declining_twice_is_declining_once(app, cycle, served):
    from mentorship.awards.models import Decline

    cycle_id, _, _ = cycle
    nominee = served()
    with app.app_context():
        for _ in range(2):
            services.decline(db.session.get(User, nominee.id), cycle_id)
            db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Decline)) == 1


def test_the_nominee_list_says_when_it_is_cut_and_the_minimum_length(app, client, cycle,
                                                                     served):
    from mentorship.awards.services import NOMINEE_RESULTS

    for number in range(NOMINEE_RESULTS + 1):
        served(name=f"Volunteer {number:02d}")
    log_in(client, served(name="Nadia Nominator"))
    html = page_text(client.get("/awards"))
    # The nominator is not offered: 21 others, 20 shown, and the page says so.
    assert f"Showing {NOMINEE_RESULTS} of {NOMINEE_RESULTS + 1} volunteers" in html
    assert "at least 50 characters" in html
    narrowed = page_text(client.get("/awards?q=Volunteer 07"))
    assert "Volunteer 07" in narrowed and "Showing" not in narrowed
