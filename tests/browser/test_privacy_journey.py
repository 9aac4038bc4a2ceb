"""A newcomer registers (agreeing to the privacy notice), asks for a buddy, then asks for
their account to be erased; a coordinator confirms it. Afterwards they cannot log in,
their name is nowhere a coordinator or anyone else looks, and the public figures are
the same."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser

NAME, EMAIL, PASSWORD = "Samira Haddouche", "samira.h@example.org", "the green door on rue Verte"


def log_out(page):
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)


def figures(page):
    page.goto("/impact")
    return page.locator("main").inner_text()


def test_a_newcomer_is_erased_and_nothing_of_them_remains(page):
    before = figures(page)

    # Registration asks for agreement with the notice, which every footer links to.
    page.goto("/register")
    expect(page.locator("footer a[href='/privacy']")).to_be_visible()
    page.get_by_label("I am new here and would like a buddy").check()
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    # Without the box ticked: a message next to it, and what was typed is kept.
    expect(page.locator("#agree-errors, .field-errors").first).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value(NAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I have read the privacy notice and I agree to it").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {NAME}")

    # She asks for a language buddy: her name is on the coordinators' board.
    page.goto("/buddy/request/language_buddy")
    page.locator("#languages-0-language").select_option("ar")
    page.locator("#languages-0-level").select_option("native")
    page.locator("#neighbourhood").select_option(index=1)
    page.locator("#target_language").select_option("fr")
    page.locator("input[name=needs][value=language_practice]").check()
    page.locator("#availability-mon-evening").check()
    page.locator("#submit").click()
    expect(page).to_have_url("/buddy")

    # Her data, then the request for erasure (a wrong password first).
    page.goto("/account")
    page.locator("main a[href='/account/my-data']").first.click()
    expect(page).to_have_url(re.compile(r"/account/my-data$"))
    expect(page.locator("main")).to_contain_text(EMAIL)
    assert_accessible(page)
    page.goto("/account/delete")
    assert_accessible(page)
    page.locator("#password").fill("not my password")
    page.locator("#understood").check()
    page.locator("form #submit").click()
    expect(page.locator("#password-errors")).to_be_visible()
    expect(page.locator("#understood")).to_be_checked()
    page.locator("#password").fill(PASSWORD)
    page.locator("form #submit").click()
    expect(page.locator("#messages")).to_contain_text("Your request is recorded")
    log_out(page)

    # The coordinator finds the request from the dashboard and confirms it.
    log_in(page, "coordinator@example.org")
    page.goto("/coordinate/matching")
    expect(page.locator("main")).to_contain_text(NAME)
    page.goto("/coordinate")
    page.locator("a[href='/coordinate/erasure-requests']").first.click()
    # Wait for the new page before axe reads it (the link may swap the body with htmx).
    expect(page).to_have_url(re.compile(r"/coordinate/erasure-requests$"))
    expect(page.locator("main tr", has_text=NAME)).to_be_visible()
    assert_accessible(page)
    page.locator("tr", has_text=NAME).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/coordinate/erasure-requests/\d+$"))
    expect(page.locator("#understood")).to_be_visible()
    assert_accessible(page)
    page.locator("#understood").check()
    page.locator("form #submit").click()
    expect(page.locator("#messages")).to_be_visible()
    for path in ("/coordinate/matching", "/coordinate/erasure-requests", "/coordinate",
                 "/coordinate/applications", "/coordinate/awards", "/awards"):
        page.goto(path)
        expect(page.locator("main")).not_to_contain_text(NAME)
        expect(page.locator("main")).not_to_contain_text(EMAIL)
    log_out(page)

    log_in(page, "admin@example.org")
    page.goto("/admin/people?q=Samira")
    expect(page.locator("main")).not_to_contain_text(EMAIL)
    log_out(page)

    # She can no longer log in; the public figures did not move.
    log_in(page, EMAIL, PASSWORD)
    expect(page.locator("form[action='/logout']")).to_have_count(0)
    assert "/login" in page.url
    assert figures(page) == before
    page.goto("/thanks")
    expect(page.locator("main")).not_to_contain_text(NAME)
    # Only the refused forms (422, on purpose) are in the console.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def erase_through_the_queue(page, email, name):
    log_in(page, email)
    page.goto("/account/delete")
    page.locator("#password").fill("demo-password-2026")
    page.locator("#understood").check()
    page.locator("form #submit").click()
    expect(page.locator("#messages")).to_contain_text("Your request is recorded")
    log_out(page)
    log_in(page, "coordinator@example.org")
    page.goto("/coordinate/erasure-requests")
    page.locator("tr", has_text=name).get_by_role("link").click()
    page.locator("#understood").check()
    page.locator("form #submit").click()
    expect(page.locator("#messages")).to_be_visible()


def test_a_matched_newcomer_is_erased_and_the_figures_stay(page):
    # Tesfaye has an active match with Élodie and nominated her for the award.
    name = "Tesfaye Alemu"
    before = figures(page)
    log_in(page, "coordinator@example.org")
    page.goto("/coordinate/matching/matches")
    expect(page.locator("main")).to_contain_text(name)
    log_out(page)

    erase_through_the_queue(page, "tesfaye.alemu@example.org", name)
    for path in ("/coordinate/matching", "/coordinate/matching/matches", "/coordinate",
                 "/coordinate/awards", "/awards", "/coordinate/hours"):
        page.goto(path)
        expect(page.locator("main")).not_to_contain_text(name)
    page.goto("/coordinate/awards")
    for link in page.locator("main a[href^='/coordinate/awards/']").all()[:3]:
        href = link.get_attribute("href")
        page.goto(href)
        expect(page.locator("main")).not_to_contain_text(name)
        page.goto("/coordinate/awards")
    log_out(page)

    # His volunteer's pages no longer name him; the public figures did not move.
    log_in(page, "mentor@example.org")
    for path in ("/volunteer", "/hours", "/awards"):
        page.goto(path)
        expect(page.locator("main")).not_to_contain_text(name)
    log_out(page)
    assert figures(page) == before
    log_in(page, "tesfaye.alemu@example.org")
    assert "/login" in page.url
