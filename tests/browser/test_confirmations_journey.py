"""Every confirmation shows in the response that caused it, once: for each kind of action
(save, approve, decline, claim, redeem, enrol, cancel, nominate), done in a real browser
with JavaScript (htmx swaps where the form uses it) and without (a plain post, then the
page it redirects to). The next page never shows the confirmation a second time."""

import re

import pytest
from playwright.sync_api import expect

from mentorship.accounts.models import User
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.matching.models import PROPOSED, Match
from mentorship.recognition.models import ISSUED, Pass
from mentorship.training.models import Enrollment
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import USING_POSTGRES

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    USING_POSTGRES, reason="message delivery does not depend on the database: checked "
    "once, in the SQLite suite (the actions' rules run on PostgreSQL in their own tests)")]

MENTOR = "mentor@example.org"  # Élodie, an active mentor
COORDINATOR = "coordinator@example.org"
NEWCOMER = "newcomer@example.org"
PARTNER = "partner@example.org"  # staff of the museum
AMINA = "amina.benali@example.org"  # proposed as Iryna's language buddy
THOMAS = "thomas.girard@example.org"  # holds a museum pass, may claim another
INES = "ines.moreau@example.org"  # awaiting training, enrolled in one session


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def browser_page(request):
    """The same journey with JavaScript (htmx active) and without (plain posts)."""
    page = request.getfixturevalue("page" if request.param else "nojs_page")
    page.js = request.param
    return page


def in_english(app, *emails):
    """Several demo people read French or Ukrainian: the messages are checked in English."""
    with app.app_context():
        db.session.execute(db.update(User).where(User.email.in_(emails)).values(locale="en"))
        db.session.commit()


def user_id(email):
    return db.session.scalar(db.select(User.id).filter_by(email=email))


def watch_document(page):
    """Mark the document: an htmx swap keeps the mark, a navigation loses it."""
    if page.js:
        page.evaluate("window.__sameDocument = true")


def assert_accessible_snapshot(page):
    """axe-core needs JavaScript: check the very page a browser without it shows (its HTML
    served again at its address, its stylesheet loaded) in a page that runs scripts."""
    html, url = page.content(), page.url
    context = page.context.browser.new_context(locale="en-GB")
    try:
        snapshot = context.new_page()
        snapshot.route(re.compile(re.escape(url) + "$"),
                       lambda route: route.fulfill(body=html, content_type="text/html"))
        snapshot.goto(url)
        assert_accessible(snapshot)
    finally:
        context.close()


def confirmed(page, text, *, url, elsewhere, swapped=False):
    """``text`` is shown once, among the messages of the page the action produced (the
    same document when htmx swapped a part of it), and not again on the next page."""
    message = page.locator("#messages .message-success", has_text=text)
    expect(message).to_be_visible()
    expect(message).to_have_count(1)
    expect(page).to_have_url(re.compile(url))
    if page.js and swapped:
        assert page.evaluate("window.__sameDocument === true"), "htmx should not navigate"
    if page.js:
        assert_accessible(page)
        assert page.console_errors == []
    else:
        assert_accessible_snapshot(page)
    page.goto(elsewhere)
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    expect(page.locator("#messages")).not_to_contain_text(text)


def test_save_hours(browser_page, live_app):
    page = browser_page
    in_english(live_app, MENTOR)
    with live_app.app_context():  # no near-duplicate of today's entry to confirm
        db.session.execute(db.delete(HourEntry).where(
            HourEntry.user_id == user_id(MENTOR), HourEntry.status == "pending"))
        db.session.commit()
    log_in(page, MENTOR)
    page.goto("/hours")
    watch_document(page)
    page.locator("#hours").fill("1")
    page.locator("#minutes").fill("30")
    page.locator("#activity").select_option("meeting")
    page.locator(".hours-form #submit").first.click()
    expect(page.locator(".entry.status-pending")).to_have_count(1)
    confirmed(page, "Your hours are saved", url=r"/hours", elsewhere="/perks", swapped=True)


def test_save_profile(browser_page, live_app):
    page = browser_page
    in_english(live_app, MENTOR)
    log_in(page, MENTOR)
    page.goto("/account")
    watch_document(page)
    page.locator("#phone").fill("04 76 00 00 00")
    page.locator("#profile-form #submit").click()
    confirmed(page, "Your profile is saved.", url=r"/account$", elsewhere="/hours",
              swapped=True)
    page.goto("/account")
    expect(page.locator("#phone")).to_have_value("04 76 00 00 00")


@pytest.mark.parametrize("decision, status", [("approve", "approved"),
                                              ("reject", "rejected")],
                         ids=["approve", "decline"])
def test_coordinator_decides_an_application(browser_page, live_app, decision, status):
    page = browser_page
    in_english(live_app, COORDINATOR)
    log_in(page, COORDINATOR)
    page.goto("/coordinate/applications")
    card = page.locator("article.application-card", has_text="Богдан Шевченко").filter(
        has=page.locator("button[name=approve]"))
    expect(card).to_have_count(1)
    watch_document(page)
    card.locator("textarea").fill("Thank you for applying.")
    card.locator(f"button[name={decision}]").click()
    if page.js:  # the card is swapped in place, with its new state
        expect(page.locator(f"article.application-card.status-{status}",
                            has_text="Богдан Шевченко")).to_have_count(1)
    confirmed(page, "Decision recorded for Богдан Шевченко.", url=r"/coordinate/applications$",
              elsewhere="/coordinate", swapped=True)


def test_volunteer_declines_a_match_proposal(browser_page, live_app):
    page = browser_page
    in_english(live_app, AMINA)
    with live_app.app_context():
        match_id = db.session.scalar(db.select(Match.id).where(
            Match.volunteer_id == user_id(AMINA), Match.status == PROPOSED))
        db.session.rollback()
    log_in(page, AMINA)
    page.goto(f"/matches/{match_id}")
    decline = page.locator("form[action$='/decline']")
    decline.locator("select").select_option("no_time")
    decline.locator("[type=submit]").click()
    confirmed(page, "Thank you for your answer.", url=r"/volunteer$", elsewhere="/hours")


def test_volunteer_claims_a_perk(browser_page, live_app):
    page = browser_page
    log_in(page, THOMAS)  # reads English
    page.goto("/perks")
    page.locator("li.perk", has_text="Free museum entry").locator("button[type=submit]").click()
    expect(page.locator(".pass .badge")).to_have_text("Valid")
    confirmed(page, "Your pass is ready.", url=r"/perks/passes/\d+$", elsewhere="/perks")


def test_partner_redeems_a_pass(browser_page, live_app):
    page = browser_page
    in_english(live_app, PARTNER)
    with live_app.app_context():
        code = db.session.scalar(db.select(Pass.short_code).where(
            Pass.user_id == user_id(THOMAS), Pass.status == ISSUED,
            Pass.expires_on >= programme_today()))
        db.session.rollback()
    log_in(page, PARTNER)
    page.goto("/partner")
    page.locator("#code").fill(code)
    page.locator("form.filters [type=submit]").click()
    expect(page.locator(".pass-valid")).to_contain_text("Thomas")
    page.locator("form[action$='/redeem'] [type=submit]").click()
    expect(page.locator(".pass-used")).to_be_visible()
    confirmed(page, "Pass used. Welcome them in!", url=r"/passes/", elsewhere="/partner")


def _ines_session(app, *, keep_place):
    """The id of the session Inès is enrolled in; without her place if not ``keep_place``."""
    with app.app_context():
        enrollment = db.session.scalar(db.select(Enrollment).where(
            Enrollment.user_id == user_id(INES), Enrollment.status == "enrolled"))
        session_id = enrollment.session_id
        if not keep_place:
            db.session.delete(enrollment)
        db.session.commit()
    return session_id


def test_volunteer_enrols_in_a_training_session(browser_page, live_app):
    page = browser_page
    in_english(live_app, INES)
    session_id = _ines_session(live_app, keep_place=False)
    log_in(page, INES)
    page.goto("/training")
    watch_document(page)
    page.locator(f"#session-{session_id} form[action$='/enrol'] [type=submit]").click()
    expect(page.locator(f"#session-{session_id} form[action$='/cancel']")).to_have_count(1)
    confirmed(page, "You are enrolled.", url=r"/training$", elsewhere="/account", swapped=True)


def test_volunteer_cancels_a_training_place(browser_page, live_app):
    page = browser_page
    in_english(live_app, INES)
    session_id = _ines_session(live_app, keep_place=True)
    log_in(page, INES)
    page.goto("/training")
    watch_document(page)
    page.locator(f"#session-{session_id} form[action$='/cancel'] [type=submit]").click()
    expect(page.locator(f"#session-{session_id} form[action$='/enrol']")).to_have_count(1)
    confirmed(page, "Your place is cancelled.", url=r"/training$", elsewhere="/account",
              swapped=True)


def test_newcomer_cancels_a_buddy_request(browser_page, live_app):
    page = browser_page
    in_english(live_app, NEWCOMER)
    log_in(page, NEWCOMER)
    page.goto("/buddy")
    page.locator("form[action$='/cancel'] [type=submit]").first.click()
    confirmed(page, "Your request is cancelled.", url=r"/buddy$", elsewhere="/account")


def test_volunteer_nominates_for_the_award(browser_page, live_app):
    page = browser_page
    log_in(page, THOMAS)  # reads English
    page.goto("/awards?q=Amina")
    page.locator("#category").select_option(label="Language buddy of the year")
    page.locator("#nominee").select_option(label="Amina Benali")
    page.locator("#citation").fill("Amina practised French with three families every week "
                                   "and never missed a conversation café.")
    page.locator("form[action$='/nominate'] [type=submit]").click()
    confirmed(page, "Your nomination is saved.", url=r"/awards$", elsewhere="/perks")
