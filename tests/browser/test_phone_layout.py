"""The phone layout, looked at closely (the crawl in test_phone_crawl.py checks every page
for width and target size; these check how the pieces behave).

The header is short on a phone and its navigation opens behind "Menu", without
JavaScript; on a wide screen the same navigation shows without opening anything. Queue
tables become cards whose values carry their column's name, so the Approve button stays
on the screen in Arabic; the month table scrolls in its own labelled region; the
availability grid has visible, named boxes of at least 24 px.
"""

import pytest
from playwright.sync_api import expect

from mentorship.accounts.models import User
from mentorship.extensions import db
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import USING_POSTGRES

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    USING_POSTGRES, reason="layout only: checked once, in the SQLite suite")]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}


def reads(app, email, locale):
    with app.app_context():
        db.session.execute(db.update(User).where(User.email == email).values(locale=locale))
        db.session.commit()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_the_phone_header_is_short_and_its_menu_opens_without_javascript(
        browser, live_app, live_server):
    reads(live_app, "coordinator@example.org", "ar")
    context = browser.new_context(base_url=live_server, viewport=PHONE,
                                  java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        log_in(page, "coordinator@example.org")
        page.goto("/coordinate")
        header = page.locator(".site-header").bounding_box()
        assert header["height"] <= 120, header
        coordination = page.locator(".site-menu nav a[href='/coordinate']")
        expect(coordination).to_be_hidden()
        menu = page.locator(".site-menu > summary")
        box = menu.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, box
        menu.click()
        expect(coordination).to_be_visible()

        # A wide screen shows the navigation at once, and no Menu button.
        page.set_viewport_size(WIDE)
        page.goto("/coordinate")
        expect(menu).to_be_hidden()
        expect(coordination).to_be_visible()
        coordination.click()
        expect(page).to_have_url(f"{live_server}/coordinate")
    finally:
        context.close()


def test_escape_closes_the_open_menu(phone, live_app):
    phone.goto("/")
    menu = phone.locator(".site-menu > summary")
    menu.click()
    login = phone.get_by_role("navigation").get_by_role("link", name="Log in")
    expect(login).to_be_visible()
    login.focus()
    phone.keyboard.press("Escape")
    expect(login).to_be_hidden()
    expect(menu).to_be_focused()


def test_the_hours_queue_becomes_cards_with_the_approve_button_on_screen_in_arabic(
        phone, live_app):
    reads(live_app, "coordinator@example.org", "ar")
    log_in(phone, "coordinator@example.org")
    phone.goto("/coordinate/hours")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    approve = phone.locator("button[name=approve_one]").first
    box = approve.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    # Each value is shown with its column's name, in the reader's language.
    date = phone.locator("#queue-main tbody td[data-label]").first
    label = date.get_attribute("data-label")
    assert label == "التاريخ"
    shown = date.evaluate("td => getComputedStyle(td, '::before').content")
    assert label in shown
    # The selection box shows its own label on a card, and the label ticks it.
    first = phone.locator("#queue-main .select-label").first
    expect(first).to_be_visible()
    first.click()
    expect(phone.locator("#queue-main input[name=entry]").first).to_be_checked()
    assert_accessible(phone)


def test_the_month_table_scrolls_in_its_own_region_and_the_page_does_not(phone, live_app):
    phone.goto("/impact")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    region = phone.get_by_role("region", name="Month by month")
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")
    region.focus()
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("End")  # a focused scroller scrolls with the keyboard
    expect(region).to_be_focused()
    phone.wait_for_function(
        "() => document.querySelector('.table-scroll').scrollLeft > 0")
    assert_accessible(phone)


def test_the_availability_grid_has_named_boxes_big_enough_to_tap(phone, live_app):
    reads(live_app, "newcomer@example.org", "en")
    log_in(phone, "newcomer@example.org")
    phone.goto("/buddy/request/language_buddy")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    monday = phone.get_by_role("group", name="Monday", exact=True)
    morning = monday.get_by_role("checkbox", name="Monday morning")
    box = morning.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    monday.get_by_text("Morning", exact=True).click()  # the visible word ticks the box
    expect(morning).to_be_checked()
    expect(phone.get_by_role("checkbox", name="Sunday evening")).to_be_visible()
    assert_accessible(phone)
