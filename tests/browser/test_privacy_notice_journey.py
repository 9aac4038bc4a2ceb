"""The privacy notice: an admin publishes a new version, a volunteer is asked again at
their next login; an Arabic reader gets the Arabic text."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def test_notice_edit_reask_and_agree(page):
    page.goto("/privacy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    assert_accessible(page)
    log_in(page, "admin@example.org")
    page.goto("/admin")
    page.locator("main a[href='/admin/privacy']").first.click()  # the admin reads French
    expect(page.locator("#body_en")).to_be_visible()  # the new page, before axe reads it
    assert_accessible(page)
    page.locator("#body_en").fill("## Changed\n\nA new version.")
    page.locator("form #submit").click()
    expect(page.locator("#messages .message-success")).to_be_visible()
    assert_accessible(page)
    page.locator("form[action='/logout'] button").click()
    log_in(page, "thomas.girard@example.org")

    assert "/privacy/agree" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Our privacy notice")
    assert_accessible(page)
    page.get_by_role("button", name="I agree").click()
    expect(page.locator("#messages .message-success")).to_be_visible()
    assert "/privacy/agree" not in page.url
    page.goto("/account")
    expect(page.get_by_label("Nothing: the newcomer reaches me through the coordinator")
           ).to_be_visible()
    assert_accessible(page)
    page.goto("/privacy")
    assert_accessible(page)
    assert page.console_errors == []


def test_arabic_reader_gets_arabic_notice(page):
    page.goto("/")
    page.get_by_label("Language", exact=True).select_option("ar")
    page.locator(".language-switcher button").click()
    page.goto("/privacy")
    expect(page.locator("article.notice-content")).to_have_attribute("lang", "ar")
    assert_accessible(page)
