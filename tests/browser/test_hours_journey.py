import pytest
from playwright.sync_api import expect

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def log_out(page):
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)


def test_volunteer_logs_hours_coordinator_approves_in_bulk(page, live_app):
    with live_app.app_context():
        elodie = db.session.scalar(db.select(User).filter_by(email="mentor@example.org"))
        # Start from a clean slate for this month's pending entries of Élodie.
        db.session.execute(db.delete(HourEntry).where(HourEntry.user_id == elodie.id,
                                                      HourEntry.status == "pending"))
        db.session.commit()

    log_in(page, "mentor@example.org")
    page.goto("/hours")
    assert_accessible(page)
    before = page.locator("td.month-approved").inner_text()
    page.evaluate("window.__sameDocument = true")
    for count, (hours, minutes) in enumerate(((1, 30), (2, 0)), start=1):
        page.locator("#hours").fill(str(hours))
        page.locator("#minutes").fill(str(minutes))
        page.locator("#activity").select_option("meeting")
        page.locator(".hours-form #submit").first.click()
        expect(page.locator(".entry.status-pending")).to_have_count(count)
    assert page.evaluate("window.__sameDocument === true")
    assert_accessible(page)
    log_out(page)

    log_in(page, "coordinator@example.org")
    page.goto("/coordinate/hours?volunteer=Élodie")
    assert_accessible(page)
    # The filter shows Élodie's two entries and nobody else's (the demo has many pending).
    rows = page.locator("#queue-main tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#queue-main tbody tr", has_text="Élodie Martin")).to_have_count(2)
    for index in range(2):
        rows.nth(index).locator("input[type=checkbox]").check()
    page.locator("button[name=decision][value=approve]").click()
    expect(page.locator("#queue-main tbody tr", has_text="Élodie Martin")).to_have_count(0)
    assert_accessible(page)
    log_out(page)

    log_in(page, "mentor@example.org")
    page.goto("/hours")
    expect(page.locator(".entry.status-pending")).to_have_count(0)
    expect(page.locator(".entry.status-approved").first).to_be_visible()
    assert page.locator("td.month-approved").inner_text() != before
    assert_accessible(page)
