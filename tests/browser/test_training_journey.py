import re

import pytest
from playwright.sync_api import expect

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.training.models import Enrollment
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.browser


def log_out(page):
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)


def test_volunteer_enrols_coordinator_marks_attendance_volunteer_verifies_certificate(
        page, live_app):
    # Inès waits for training as a language buddy; she has done the welcoming module.
    with live_app.app_context():
        ines = db.session.scalar(db.select(User).filter_by(email="ines.moreau@example.org"))
        db.session.execute(db.delete(Enrollment).where(Enrollment.user_id == ines.id))
        db.session.commit()

    log_in(page, "ines.moreau@example.org")
    page.goto("/training")
    assert_accessible(page)
    session = page.locator("li.session", has=page.locator("button")).filter(
        has_text="Maison des associations, salle 2").first
    session_id = session.get_attribute("id")
    page.evaluate("window.__sameDocument = true")
    session.locator("button[type=submit]").click()
    expect(page.locator(f"#{session_id} .badge")).to_be_visible()
    assert page.evaluate("window.__sameDocument === true")
    # The confirmation comes with the swapped row, and focus moves to the row's new state.
    expect(page.locator("#messages .message-success")).to_have_count(1)  # (in French)
    expect(page.locator(f"#{session_id} .badge")).to_be_focused()
    assert_accessible(page)

    # The online module: read, then the quiz.
    page.locator("a[href$='/quiz']").first.click()
    expect(page).to_have_url(re.compile(r"/quiz$"))
    assert_accessible(page)
    page.locator("#q0-1").check()
    page.locator("#q1-1").check()
    page.locator("form.quiz button[type=submit]").click()
    expect(page.locator(".message-success")).to_be_visible()
    log_out(page)

    # The coordinator marks attendance on the session's list.
    log_in(page, "coordinator@example.org")
    page.goto("/coordinate/training")
    assert_accessible(page)
    # The session takes place (its start moves into the past), then attendance is marked.
    from tests.training.conftest import start

    start(live_app, int(session_id.removeprefix("session-")))
    page.goto(f"/coordinate/training/sessions/{session_id.removeprefix('session-')}")
    assert_accessible(page)
    row = page.locator("tr", has_text="Inès Moreau")
    row.locator("button[value=attended]").click()
    expect(page.locator("tr", has_text="Inès Moreau").locator(
        "button[value=attended][aria-pressed=true]")).to_be_visible()
    expect(page.locator("#messages .message-success")).to_contain_text("Inès Moreau")
    expect(page.locator("tr", has_text="Inès Moreau").locator(".badge")).to_be_focused()
    log_out(page)

    # Inès now has her certificate and checks it like an employer would.
    log_in(page, "ines.moreau@example.org")
    page.goto("/training")
    page.locator("a[href$='/print']").first.click()
    expect(page.locator(".certificate .holder")).to_have_text("Inès Moreau")
    assert_accessible(page)
    verification = page.locator(".certificate .url").inner_text()
    log_out(page)
    page.goto(verification)
    expect(page.locator(".verify-valid")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Inès Moreau")
    assert_accessible(page)
