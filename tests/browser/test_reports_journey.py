import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def test_public_figures_in_arabic_are_right_to_left(page):
    page.goto("/impact")
    page.locator("#language-select").select_option("ar")
    page.locator(".language-switcher button").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    chart = page.locator("svg.bar-chart").first
    expect(chart).to_be_visible()
    january = chart.locator("text.label", has_text="01")
    december = chart.locator("text.label", has_text="12")
    # Right to left: January is drawn on the right, December on the left.
    assert float(january.get_attribute("x")) > float(december.get_attribute("x"))
    box = january.bounding_box()
    assert box and box["width"] > 4 and box["height"] > 8  # a readable label, on screen
    expect(chart.locator("title")).not_to_be_empty()
    assert_accessible(page)


def test_dashboard_and_report_are_accessible(page):
    log_in(page, "coordinator@example.org")
    page.goto("/coordinate")
    expect(page.locator("[data-figure=open_requests]")).to_be_visible()
    assert_accessible(page)
    page.goto("/coordinate/reports")
    expect(page.locator("svg.bar-chart").first).to_be_visible()
    assert_accessible(page)
    page.goto("/impact")
    page.locator("a[href*='/impact/reports/']").first.click()
    expect(page.locator("[data-metric=hours]")).to_be_visible()
    assert_accessible(page)


def test_public_figures_never_show_a_small_number_and_say_how_they_count(page):
    page.goto("/")
    banner = page.locator(".milestone")
    expect(banner).to_contain_text("residents accompanied newcomers this year")
    banner.get_by_role("link", name="How we count").click()
    expect(page).to_have_url("/impact/how-we-count")
    expect(page.get_by_role("heading", name="How we count")).to_be_visible()
    expect(page.locator("[data-definition=volunteers]")).to_contain_text("at least one day")
    assert_accessible(page)
    page.goto("/impact")
    marks = page.locator("svg.bar-chart text.value").all_text_contents()
    cells = page.locator("[data-metric], [data-role], [data-column]").all_inner_texts()
    assert marks and cells
    assert not {text.strip() for text in marks + cells} & {"1", "2", "3", "4"}
    assert_accessible(page)
