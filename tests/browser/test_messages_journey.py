"""Confirmations reach the person in the response that caused them: an HTMX save shows its
message on the page at once, and the next page does not show it a second time."""

import pytest
from playwright.sync_api import expect

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser

SAVED = "Your hours are saved"
APPROVED = "1 entry approved."


def messages_text(page):
    return page.locator("#messages").inner_text()


def test_htmx_confirmations_appear_at_once_and_only_once(page, live_app):
    with live_app.app_context():
        elodie = db.session.scalar(db.select(User).filter_by(email="mentor@example.org"))
        db.session.execute(db.delete(HourEntry).where(HourEntry.user_id == elodie.id,
                                                      HourEntry.status == "pending"))
        # Both demo accounts read French; the messages are checked in English.
        db.session.execute(db.update(User).where(User.email.in_(
            ["mentor@example.org", "coordinator@example.org"])).values(locale="en"))
        db.session.commit()

    log_in(page, "mentor@example.org")
    page.goto("/hours")
    assert SAVED not in messages_text(page)
    page.evaluate("window.__sameDocument = true")
    page.locator("#hours").fill("1")
    page.locator("#minutes").fill("45")
    page.locator("#activity").select_option("meeting")
    page.locator(".hours-form #submit").first.click()
    expect(page.locator(".entry.status-pending")).to_have_count(1)
    expect(page.locator("#messages")).to_contain_text(SAVED)
    assert page.evaluate("window.__sameDocument === true"), "the save should not navigate"
    assert_accessible(page)

    page.goto("/perks")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert SAVED not in messages_text(page), "the confirmation was shown a second time"
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()

    log_in(page, "coordinator@example.org")
    page.goto("/coordinate/hours?volunteer=Élodie")
    rows = page.locator("#queue-main tbody tr", has_text="Élodie Martin")
    expect(rows).to_have_count(1)
    page.evaluate("window.__sameDocument = true")
    rows.first.locator("button[name=approve_one]").click()
    expect(page.locator("#queue-main tbody tr", has_text="Élodie Martin")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text(APPROVED)
    assert page.evaluate("window.__sameDocument === true"), "approving should not navigate"
    assert_accessible(page)

    page.goto("/coordinate")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert APPROVED not in messages_text(page), "the confirmation was shown a second time"
