"""The certificate's print button needs JavaScript: without it the page says how to print
with the browser's own command, and no button does nothing."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def open_certificate(page):
    log_in(page, "mentor@example.org")
    page.goto("/training")
    page.locator("a[href^='/certificates/'][href$='/print']").first.click()
    expect(page.locator(".holder")).to_be_visible()


def test_with_javascript_the_button_prints(page):
    open_certificate(page)
    expect(page.locator(".print-button")).to_be_visible()
    page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }; 0")
    page.locator(".print-button").click()
    assert page.evaluate("window.__printed") == 1
    assert_accessible(page)


def test_without_javascript_no_dead_button(nojs_page):
    open_certificate(nojs_page)
    expect(nojs_page.locator(".print-button")).to_be_hidden()
    expect(nojs_page.locator("main")).to_contain_text("Ctrl+P")
