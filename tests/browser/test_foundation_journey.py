import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def test_register_switch_to_arabic_edit_profile_and_log_out(page):
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Register").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)
    page.get_by_label("I want to volunteer").check()
    page.get_by_label("Your name").fill("Zoë Lefèvre")
    page.get_by_label("Email address").fill("zoe@example.org")
    page.get_by_label("Password", exact=True).fill("a quiet morning by the river")
    page.get_by_label("Password again").fill("a quiet morning by the river")
    page.get_by_label("I have read the privacy notice and I agree to it").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Zoë Lefèvre")

    # Log out and back in.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    log_in(page, "zoe@example.org", "a quiet morning by the river")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Zoë Lefèvre")
    assert_accessible(page)

    # Switch to Arabic with the switcher.
    page.get_by_label("Language", exact=True).select_option("ar")
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert_accessible(page)

    # The profile page, edited through its HTMX form: no page reload.
    page.goto("/account")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(page)
    page.evaluate("window.__sameDocument = true")
    page.locator("#phone").fill("+33 6 12 34 56 78")
    page.locator("#neighbourhood").select_option(label="Berriat")
    page.locator("#languages-0-language").select_option("fr")
    page.locator("#languages-0-level").select_option("native")
    page.locator("#profile-form #submit").click()
    # The confirmation arrives with the form's fragment, in the page's messages region.
    expect(page.locator("#messages .message-success")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true")
    expect(page.locator("#phone")).to_have_value("+33 6 12 34 56 78")
    # Bad input through HTMX: error next to the field, typed value kept, focus on it.
    page.locator("#phone").fill("call me")
    page.locator("#profile-form #submit").click()
    expect(page.locator("#phone-errors")).to_be_visible()
    expect(page.locator("#phone")).to_have_value("call me")
    expect(page.locator("#phone")).to_be_focused()
    assert page.evaluate("window.__sameDocument === true")
    assert_accessible(page)

    # Log out (the button is in Arabic now).
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # Chrome logs every 4xx answer; the 422 of the invalid form is expected, nothing else.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def test_profile_works_without_javascript(nojs_page):
    page = nojs_page
    log_in(page, "mentor@example.org")
    page.goto("/account")
    page.locator("#phone").fill("+33 4 76 00 00 00")
    page.locator("#profile-form #submit").click()
    expect(page.locator("#messages .message-success")).to_be_visible()
    expect(page.locator("#phone")).to_have_value("+33 4 76 00 00 00")
    # The language switcher works with its button.
    page.locator("#language-select").select_option("uk")
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")


def test_stale_csrf_token_in_htmx_keeps_the_form_and_recovers(page, live_app):
    live_app.config["WTF_CSRF_ENABLED"] = True
    log_in(page, "mentor@example.org")
    page.goto("/account")
    page.locator("#phone").fill("+33 4 76 11 11 11")
    # Make every token on the page stale, as after a long break.
    page.evaluate("""() => {
      document.querySelectorAll('input[name=csrf_token]').forEach(i => i.value = 'stale');
      document.body.setAttribute('hx-headers', '{"X-CSRFToken": "stale"}');
    }""")
    page.locator("#profile-form #submit").click()
    expect(page.locator("#messages .message-warning")).to_be_visible()
    expect(page.locator("#phone")).to_have_value("+33 4 76 11 11 11")
    page.locator("#profile-form #submit").click()
    expect(page.locator("#messages .message-success")).to_be_visible()


def test_coordinator_pages_refuse_a_newcomer_with_a_translated_page(page):
    log_in(page, "newcomer@example.org")
    response = page.goto("/admin")
    assert response.status == 403
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    assert re.search(r"403", page.content())
    assert_accessible(page)


def test_admin_changes_a_role_in_place_and_is_told(page):
    log_in(page, "admin@example.org")
    page.goto("/admin/people?q=Thomas")
    # The row leads to the person's own page, where roles and account change.
    page.locator("tr", has_text="Thomas Girard").get_by_role("link", name="Thomas Girard").click()
    expect(page).to_have_url(re.compile(r"/admin/people/\d+"))
    page.evaluate("window.__sameDocument = true")
    roles = page.locator(".role-badges")
    expect(roles.locator(".badge")).to_have_count(1)
    page.locator("form:has(input[name=role][value=coordinator]) button").click()
    # Roles and account are swapped in place and the confirmation arrives in #messages.
    expect(roles.locator(".badge")).to_have_count(2)
    expect(page.locator("#messages .message-success")).to_contain_text("Thomas Girard")
    assert page.evaluate("window.__sameDocument === true")
    assert_accessible(page)
