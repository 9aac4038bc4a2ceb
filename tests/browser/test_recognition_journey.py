import pytest
from playwright.sync_api import expect

from mentorship.extensions import db
from mentorship.recognition.models import Pass
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def log_out(page):
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)


def test_volunteer_claims_a_museum_pass_partner_redeems_it(page, live_app):
    log_in(page, "thomas.girard@example.org")
    page.goto("/perks")
    assert_accessible(page)
    museum = page.locator("li.perk", has_text="Free museum entry")
    museum.locator("button[type=submit]").click()
    expect(page.locator(".pass .badge")).to_have_text("Valid")
    assert_accessible(page)
    pass_url = page.url
    pass_id = int(pass_url.rstrip("/").rsplit("/", 1)[1])
    with live_app.app_context():
        code = db.session.get(Pass, pass_id).code  # what the QR code holds
        db.session.rollback()
    log_out(page)

    log_in(page, "partner@example.org")
    page.goto("/partner")
    assert_accessible(page)
    page.goto(f"/passes/{code}")  # as after scanning the QR code
    expect(page.locator(".pass-valid")).to_contain_text("Thomas")
    assert_accessible(page)
    page.locator("form[action$='/redeem'] button").click()
    expect(page.locator(".pass-used")).to_be_visible()
    log_out(page)

    log_in(page, "thomas.girard@example.org")
    page.goto(pass_url)
    expect(page.locator(".pass .badge")).to_have_text("Used")
    assert_accessible(page)
