"""The performance budget (issue 17) of the award pages: at most 8 queries a page, the
same however many people, nominations, categories and years there are, and at most 30 KB
of HTML."""

from datetime import datetime, timedelta

from mentorship.accounts.models import User
from mentorship.awards import cycles
from mentorship.awards.models import Nomination, PublicConsent, Shortlisted
from mentorship.awards.services import NOMINEE_RESULTS
from mentorship.extensions import db
from mentorship.reports.cache import forget
from tests.awards.helpers import CITATION, nominate, shortlisted_cycle
from tests.conftest import MAX_BYTES, MAX_QUERIES, count_queries, log_in, page_text


def _load(app, client, path):
    # What is kept in memory (reports.cache: the unsearched nominee list) is read again:
    # the budget holds for the request that reads it.
    with app.app_context():
        forget()
    with count_queries(app) as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter, page_text(response)


def _past_years(app, nominee, nominator, today, years):
    """Announced cycles of past years where ``nominee`` was nominated and shortlisted in
    every category (winner of the first), and agreed to appear."""
    with app.app_context():
        chair = db.session.get(User, nominator.id)
        for years_ago in years:
            year = today.year - years_ago
            item = cycles.create_cycle(
                chair, year=year, nominations_open_on=today.replace(year=year),
                nominations_close_on=today.replace(year=year) + timedelta(days=5),
                voting_deadline=today.replace(year=year) + timedelta(days=10),
                ceremony_at=datetime(year, 12, 20, 17), ceremony_place="Town hall",
                descriptions={}, shortlist_size=2)
            item.state = "announced"
            db.session.flush()
            for category in item.categories:
                db.session.add(Nomination(cycle_id=item.id, category_id=category.id,
                                          nominator_id=nominator.id, nominee_id=nominee.id,
                                          citation=CITATION))
                db.session.add(Shortlisted(category_id=category.id, nominee_id=nominee.id))
            item.categories[0].winner_id = nominee.id
            db.session.add(PublicConsent(cycle_id=item.id, user_id=nominee.id))
        db.session.commit()


def test_the_award_page_of_a_nominee_keeps_its_budget(app, client, cycle, served, today):
    cycle_id, categories, jurors = cycle
    person, other = served(name="Often Thanked"), served(name="Someone Else")
    nominate(app, other, cycle_id, categories["mentor_of_the_year"], person)
    log_in(client, person)
    few, _ = _load(app, client, "/awards")
    assert few.count <= MAX_QUERIES, few.statements
    # More people to nominate than the list shows, nominations given and received, and
    # past years in which this person was shortlisted and won.
    for number in range(NOMINEE_RESULTS + 10):
        served(name=f"Volunteer {number:02d}")
    nominate(app, person, cycle_id, categories["mentor_of_the_year"], other)
    _past_years(app, person, other, today, years=(1, 2, 3, 4))
    many, html = _load(app, client, "/awards")
    assert many.count == few.count, many.statements
    assert f"Showing {NOMINEE_RESULTS} of {NOMINEE_RESULTS + 11} volunteers" in html
    assert str(today.year - 4) in html
    assert len(html.encode()) < MAX_BYTES


def test_the_jury_ballot_costs_the_same_for_every_category(app, client, cycle, served, today):
    cycle_id, categories_before, jurors = cycle
    shortlisted_cycle(app, cycle, served)
    log_in(client, jurors[1])
    few, html = _load(app, client, "/awards")
    assert 'id="ballot"' in html
    assert few.count <= MAX_QUERIES, few.statements
    with app.app_context():
        for code, category_id in categories_before.items():
            if code != "mentor_of_the_year":
                for number in range(2):
                    nominee = served(name=f"{code} {number}")
                    db.session.add(Shortlisted(category_id=category_id,
                                               nominee_id=nominee.id))
        db.session.commit()
    many, html = _load(app, client, "/awards")
    assert many.count == few.count, many.statements
    assert html.count('class="card ballot-item"') > 2
    assert len(html.encode()) < MAX_BYTES


def test_the_coordinators_award_page_keeps_its_budget(app, client, cycle, served, today):
    cycle_id, categories, jurors = cycle
    log_in(client, jurors[0])
    few, _ = _load(app, client, "/coordinate/awards")
    assert few.count <= MAX_QUERIES, few.statements
    _past_years(app, served(), served(), today, years=range(1, 13))
    many, html = _load(app, client, "/coordinate/awards")
    assert many.count == few.count, many.statements
    assert str(today.year - 12) in html
    assert len(html.encode()) < MAX_BYTES
