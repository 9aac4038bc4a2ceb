"""A coordinator writes to a training session from a phone, in Arabic (right to left)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.messaging.models import Message
from mentorship.programme.services import get_settings
from mentorship.training.models import Enrollment
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import USING_POSTGRES

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    USING_POSTGRES, reason="layout only: checked once, in the SQLite suite")]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="ar")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_coordinator_writes_to_a_session_on_a_phone(phone, live_app):
    with live_app.app_context():
        session_id, enrolled = db.session.execute(
            select(Enrollment.session_id, func.count()).where(Enrollment.status == "enrolled")
            .group_by(Enrollment.session_id).order_by(func.count().desc()).limit(1)).one()
        db.session.execute(db.update(User).where(User.email == "coordinator@example.org")
                           .values(locale="ar"))
        db.session.commit()
        default = get_settings().default_locale
    log_in(phone, "coordinator@example.org")
    phone.goto(f"/coordinate/messages?group=session_enrolled&session_id={session_id}")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    fits(phone)
    phone.locator(f"#subject_{default}").fill("Rappel : formation jeudi")
    phone.locator(f"#body_{default}").fill("Bonjour,\n\nÀ jeudi 18 h, salle 2.")
    phone.locator("#preview").click()  # HTMX swaps the form with its preview
    send = phone.locator("button[name=send]")
    expect(send).to_be_visible()
    assert phone.locator("h1").count() == 1
    fits(phone)
    assert_accessible(phone)
    box = send.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
    send.click()
    phone.wait_for_url("**/coordinate/messages/*")
    expect(phone.locator("h1")).to_contain_text("Rappel : formation jeudi")
    fits(phone)
    assert_accessible(phone)
    with live_app.app_context():
        message = db.session.scalar(select(Message))
        assert message.recipient_count >= enrolled
