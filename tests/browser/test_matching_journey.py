import re

import pytest
from playwright.sync_api import expect

from mentorship.accounts.models import User
from mentorship.extensions import db
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def log_out(page):
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)


def test_newcomer_in_ukrainian_gets_a_language_buddy(page, live_app):
    # Iryna's interface is Ukrainian; she cancels her demo request and asks again.
    log_in(page, "iryna.bondar@example.org")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    page.goto("/buddy")
    assert_accessible(page)
    page.locator("form[action$='/cancel'] button").first.click()
    page.locator("a[href='/buddy/request/language_buddy']").click()
    expect(page).to_have_url("/buddy/request/language_buddy")
    assert_accessible(page)
    page.locator("#target_language").select_option("fr")
    page.locator("input[name=needs][value=language_practice]").check()
    page.locator("input[name=needs][value=meeting_people]").check()
    page.locator("#availability-mon-evening").check()
    page.locator("#availability-thu-evening").check()
    page.locator("#preferred_contact-1").check()
    page.locator("#submit").click()
    expect(page).to_have_url("/buddy")
    expect(page.locator(".buddy-request")).to_have_count(1)
    assert_accessible(page)
    log_out(page)

    # The coordinator opens the request and proposes the first suggestion.
    log_in(page, "coordinator@example.org")
    page.goto("/coordinate/matching")
    assert_accessible(page)
    page.locator("tr", has_text="Ірина Бондар").locator("a").click()
    expect(page).to_have_url(re.compile(r"/coordinate/matching/requests/\d+$"))
    assert_accessible(page)
    first = page.locator("ol.candidates li.candidate").first
    volunteer_name = first.locator("h3").evaluate("h => h.firstChild.textContent.trim()")
    expect(first.locator(".reasons")).to_contain_text("·")
    first.locator("button[type=submit]").click()
    expect(page).to_have_url("/coordinate/matching")
    log_out(page)

    # The volunteer accepts.
    with live_app.app_context():
        volunteer_email = db.session.scalar(
            db.select(User.email).where(User.name == volunteer_name))
        db.session.rollback()
    log_in(page, volunteer_email)
    page.goto("/volunteer")
    assert_accessible(page)
    page.locator(".match.proposal", has_text="Ірина").locator("a").click()
    expect(page.locator("main")).not_to_contain_text("iryna.bondar@example.org")
    assert_accessible(page)
    page.locator("form[action$='/accept'] button").click()
    log_out(page)

    # Iryna accepts, then sees her buddy's contact.
    log_in(page, "iryna.bondar@example.org")
    page.goto("/buddy")
    page.locator(".proposal a").click()
    page.locator("form[action$='/accept'] button").click()
    expect(page.locator(".contact")).to_contain_text(volunteer_email)
    assert_accessible(page)
    log_out(page)

    # And the volunteer sees Iryna's.
    log_in(page, volunteer_email)
    page.goto("/volunteer")
    page.locator(".match.active", has_text="Ірина").locator("a").click()
    expect(page.locator(".contact")).to_contain_text("iryna.bondar@example.org")
    assert_accessible(page)
