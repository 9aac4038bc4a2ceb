import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser

EMAIL = "thomas.girard@example.org"  # English, so the journey reads in English


def log_in_remembered(page):
    page.goto("/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill("demo-password-2026")
    page.get_by_label("Keep me logged in on this device").check()
    page.locator("form #submit").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_log_out_everywhere_from_the_phone_logs_the_laptop_out(browser, live_server):
    laptop_context = browser.new_context(base_url=live_server, locale="en-GB")
    phone_context = browser.new_context(base_url=live_server, locale="en-GB")
    try:
        laptop, phone = laptop_context.new_page(), phone_context.new_page()
        log_in_remembered(laptop)
        log_in_remembered(phone)
        # A copy of the laptop's cookies, as someone who borrowed it might have kept.
        copied = laptop_context.cookies()
        assert {c["name"] for c in copied} >= {"session", "remember_token"}

        phone.goto("/account")
        assert_accessible(phone)
        phone.get_by_role("button", name="Log out everywhere").click()
        expect(phone.locator("#messages")).to_contain_text("logged out on every device")
        expect(phone.get_by_role("link", name="Log in").first).to_be_visible()

        laptop.goto("/account")
        expect(laptop.get_by_role("heading", level=1)).to_have_text("Log in")

        thief_context = browser.new_context(base_url=live_server, locale="en-GB")
        try:
            thief_context.add_cookies(copied)
            thief = thief_context.new_page()
            thief.goto("/account")
            expect(thief.get_by_role("heading", level=1)).to_have_text("Log in")
        finally:
            thief_context.close()
    finally:
        laptop_context.close()
        phone_context.close()
