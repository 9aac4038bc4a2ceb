from datetime import timedelta

import pytest
from playwright.sync_api import expect

from mentorship.awards.models import AwardCycle
from mentorship.dates import programme_today
from mentorship.extensions import db
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser
CITATION = ("إلودي رافقتني إلى البلدية ثلاث مرات وشرحت لي كل ورقة. أولادي يذهبون الآن "
            "إلى مدرسة قريبة من بيتنا. شكرًا لها من كل قلبي.")
# The coordinator leaves out the children's school (private) before it is published.
EDITED = "إلودي رافقتني إلى البلدية ثلاث مرات وشرحت لي كل ورقة. شكرًا لها من كل قلبي."


def log_out(page):
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)


def move_dates(app, **changes):
    with app.app_context():
        cycle = db.session.scalar(db.select(AwardCycle).where(
            AwardCycle.year == programme_today().year))
        for name, days in changes.items():
            setattr(cycle, name, programme_today() + timedelta(days=days))
        db.session.commit()
        return cycle.id, cycle.year


def test_newcomer_nominates_in_arabic_through_to_the_public_page(page, live_app):
    # Tesfaye nominates his buddy Élodie, in Arabic.
    log_in(page, "tesfaye.alemu@example.org")
    page.locator("#language-select").select_option("ar")
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto("/awards")
    assert_accessible(page)
    page.locator("#q").fill("Élodie")
    page.locator("form[role=search] button").click()
    category_id = page.locator("#category option").nth(4).get_attribute("value")
    page.locator("#category").select_option(category_id)
    page.locator("#nominee").select_option(label="Élodie Martin")
    page.locator("#citation").fill(CITATION)
    page.locator("#submit").click()
    expect(page.locator("#messages .message-success")).to_be_visible()
    log_out(page)

    # Nominations close; the coordinator shortlists.
    cycle_id, year = move_dates(live_app, nominations_open_on=-30, nominations_close_on=-1)
    log_in(page, "coordinator@example.org")
    page.goto(f"/coordinate/awards/{cycle_id}")
    page.locator("form[action$='/advance'] button").click()
    expect(page.locator(".lead .badge")).to_have_attribute("data-state", "shortlisting")
    assert_accessible(page)
    newcomers = page.locator("section[data-category=newcomers_choice]")
    newcomers.locator("input[type=checkbox]").first.check()
    newcomers.locator("button[type=submit]").click()
    page.locator("form[action$='/advance'] button").click()
    expect(page.locator(".lead .badge")).to_have_attribute("data-state", "voting")
    page.goto("/awards")
    ballot = page.locator(".ballot-item[data-category=newcomers_choice]")
    ballot.locator("input[value='5']").check()
    ballot.locator("button[type=submit]").click()
    # The saved vote replaces the ballot's form (which always lists 1 to 5).
    expect(ballot.locator(".saved-vote")).to_have_attribute("data-score", "5")
    expect(ballot.locator("form")).to_have_count(0)
    assert_accessible(page)
    log_out(page)

    log_in(page, "admin@example.org")
    page.goto("/awards")
    ballot = page.locator(".ballot-item[data-category=newcomers_choice]")
    ballot.locator("input[value='4']").check()
    ballot.locator("button[type=submit]").click()
    expect(ballot.locator(".saved-vote")).to_have_attribute("data-score", "4")
    # Voting closes: the tally shows both votes, (5 + 4) / 2; the winners are announced.
    move_dates(live_app, voting_deadline=-1)
    page.goto(f"/coordinate/awards/{cycle_id}")
    result = page.locator("section[data-category=newcomers_choice] tbody tr",
                          has_text="Élodie Martin")
    expect(result.locator("td.mean")).to_have_text("4.50")
    expect(result.locator("td.votes")).to_have_text("2")
    expect(result.locator(".badge")).to_be_visible()
    page.locator("form[action$='/advance'] button").click()
    expect(page.locator(".lead .badge")).to_have_attribute("data-state", "announced")

    # Élodie has not agreed to appear yet: the public page does not name her.
    page.goto(f"/awards/{year}")
    category = page.locator("section[data-category=newcomers_choice]")
    expect(category.locator(".unnamed-winner")).to_be_visible()
    expect(category).not_to_contain_text("Élodie Martin")

    # The coordinator reviews the citation and leaves out a private detail (htmx).
    page.goto(f"/coordinate/awards/{cycle_id}/citations")
    item = page.locator("li.citation[data-category=newcomers_choice]")
    expect(item.locator(".badge")).to_be_visible()  # shortlisted
    item.locator("textarea").fill(EDITED)
    item.locator("button[type=submit]").click()
    expect(page.locator("#messages .message-success")).to_be_visible()
    expect(page.locator("li.citation[data-category=newcomers_choice]")).to_have_attribute(
        "data-reviewed", "yes")
    assert_accessible(page)
    log_out(page)

    # Tesfaye sees the text that is published.
    log_in(page, "tesfaye.alemu@example.org")
    page.goto("/awards")
    mine = page.locator(f".my-nomination[data-year='{year}'][data-category=newcomers_choice]")
    expect(mine).to_have_attribute("data-reviewed", "yes")
    expect(mine.locator(".public-citation")).to_have_text(EDITED)
    log_out(page)

    # Élodie agrees to appear: the public page names her, with the reviewed text.
    log_in(page, "mentor@example.org")
    page.goto("/awards")
    choice = page.locator(f".my-award[data-year='{year}']")
    expect(choice).to_have_attribute("data-public", "no")
    choice.locator("button[type=submit]").first.click()
    expect(page.locator(f".my-award[data-year='{year}']")).to_have_attribute(
        "data-public", "yes")
    assert_accessible(page)
    page.goto(f"/awards/{year}")
    winners = page.locator("li.winner", has_text="Élodie Martin")
    expect(winners.first).to_be_visible()
    expect(winners.first.locator(".quote")).to_have_text(EDITED)
    expect(page.locator("body")).not_to_contain_text("مدرسة قريبة")
    assert_accessible(page)

    # She changes her mind after the announcement: the page drops her at once.
    page.goto("/awards")
    page.locator(f".my-award[data-year='{year}'] button[type=submit]").first.click()
    expect(page.locator(f".my-award[data-year='{year}']")).to_have_attribute(
        "data-public", "no")
    page.goto(f"/awards/{year}")
    category = page.locator("section[data-category=newcomers_choice]")
    expect(category.locator(".unnamed-winner")).to_be_visible()
    expect(category).not_to_contain_text("Élodie Martin")
    log_out(page)
