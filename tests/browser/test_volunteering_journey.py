from datetime import timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from mentorship.dates import add_months, programme_today
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def log_out(page):
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)


def test_resident_applies_in_french_and_a_coordinator_approves_inline(page, live_app):
    with live_app.app_context():
        today = programme_today()
    start = today + timedelta(days=20)
    end_fr = format_date(add_months(start, 6), "long", locale="fr")

    # Amina's interface is in French.
    log_in(page, "amina.benali@example.org")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto("/roles")
    assert_accessible(page)
    page.locator("a[href='/apply/housing_helper']").click()
    expect(page.locator("#motivation")).to_be_visible()
    assert_accessible(page)
    page.locator("#motivation").fill("J'ai moi-même été accueillie à mon arrivée en France.")
    expect(page.locator("#languages-0-language")).to_have_value("fr")  # from the profile
    page.locator("#availability-tue-evening").check()
    page.locator("#availability-sat-morning").check()
    page.locator("#start_date").fill(start.isoformat())
    page.locator("#start_date").dispatch_event("change")
    expect(page.locator("#pledge-label")).to_contain_text(end_fr)
    page.locator("#pledge").check()
    page.locator("#submit").click()
    expect(page).to_have_url("/volunteer")
    expect(page.locator(".application.status-submitted")).to_have_count(1)
    assert_accessible(page)
    log_out(page)

    # The coordinator approves inline, without leaving the queue.
    log_in(page, "coordinator@example.org")
    page.goto("/coordinate/applications")
    assert_accessible(page)
    card = page.locator("article.application-card", has_text="Amina Benali").filter(
        has=page.locator("button[name=approve]"))
    expect(card).to_have_count(1)
    page.evaluate("window.__sameDocument = true")
    # Declining needs a message: the error appears next to the field, in place (422).
    # (The coordinator reads the site in French.)
    card.locator("button[name=reject]").click()
    expect(card.locator("textarea[aria-invalid=true]")).to_be_focused()
    expect(card.locator(".field-errors")).to_contain_text("Veuillez écrire un message")
    card.locator("textarea").fill("Bienvenue dans le programme !")
    card.locator("button[name=approve]").click()
    approved = page.locator("article.application-card.status-approved", has_text="Amina Benali")
    expect(approved).to_have_count(1)
    # The confirmation arrives with the card ("Decision recorded for Amina Benali.").
    expect(page.locator("#messages .message-success")).to_contain_text("Amina Benali")
    assert page.evaluate("window.__sameDocument === true")
    assert_accessible(page)
    log_out(page)

    # Amina sees her commitment and its end date.
    log_in(page, "amina.benali@example.org")
    page.goto("/volunteer")
    commitment = page.locator(".commitment.status-awaiting_training")
    expect(commitment).to_contain_text(end_fr)
    expect(page.locator(".decision").first).to_contain_text("Bienvenue dans le programme !")
    assert_accessible(page)


def test_application_works_without_javascript(nojs_page, live_app):
    page = nojs_page
    log_in(page, "thomas.girard@example.org")
    page.goto("/apply/language_buddy")
    page.locator("#motivation").fill("I enjoy conversation.")
    page.locator("#availability-mon-evening").check()
    # Without JS the date is checked on the server: a past date is refused, typed text kept.
    with live_app.app_context():
        today = programme_today()
    page.locator("#start_date").fill((today - timedelta(days=3)).isoformat())
    page.locator("#pledge").check()
    page.locator("#submit").click()
    expect(page.locator("#start_date-errors")).to_be_visible()
    expect(page.locator("#motivation")).to_have_value("I enjoy conversation.")
    expect(page.locator("#availability-mon-evening")).to_be_checked()
    page.locator("#start_date").fill(today.isoformat())
    page.locator("#pledge").check()
    page.locator("#submit").click()
    expect(page).to_have_url("/volunteer")
