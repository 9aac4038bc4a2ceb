"""A coordinator's day, in a real browser: register a newcomer who has no email, print the
invitation; the newcomer claims it on a phone, in Arabic; the coordinator asks for a buddy
on her behalf, proposes a volunteer, withdraws the proposal and proposes another; then
writes to the people of a training session, and the mail reaches a real SMTP server
(aiosmtpd), once, even when the form is posted again.

The coordinator reads French (the demo's), so elements are found by id, name or role, and
expected words are taken from the app's own catalogue in the reader's language."""

import email
import email.policy
import re
import shutil
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale
from playwright.sync_api import expect

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.mail import OutgoingEmail
from mentorship.matching.models import (
    MATCH_STATE_LABELS,
    PROPOSED,
    WITHDRAWN,
    BuddyRequest,
    Match,
)
from mentorship.messaging.models import SESSION_ENROLLED, Message
from mentorship.people.models import Invitation
from mentorship.training.models import (
    MARKABLE_ENROLLMENT_STATES,
    Enrollment,
    TrainingModule,
    TrainingSession,
)
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import USING_POSTGRES

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    USING_POSTGRES, reason="the pages and the mail path do not depend on the database: "
    "checked once, in the SQLite suite (the rules run on PostgreSQL in their own tests)")]

COORDINATOR = "coordinator@example.org"  # Karim, reads French
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AMIRA = "Amira Khalil"
NEW_PASSWORD = "lemon trees by the river"  # noqa: S105  # nosec B105
SAFEGUARDING = "Safeguarding and boundaries"  # a demo module with a past session


class Inbox:
    """What reaches the SMTP server: (recipients, subject) per message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((tuple(envelope.rcpt_tos), str(message["Subject"])))
        return "250 OK"

    def to(self, address):
        return [subject for recipients, subject in self.messages if address in recipients]


@pytest.fixture
def smtp_inbox():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def live_app(app_factory, request, tmp_path, smtp_inbox):
    """The demo, sending its mail by SMTP to ``smtp_inbox`` right after each commit."""
    shutil.copyfile(request.getfixturevalue("seeded_sqlite"), tmp_path / "test.sqlite3")
    return app_factory(fresh=False, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                       MAIL_PORT=smtp_inbox.port, MAIL_TIMEOUT=5,
                       MAIL_DELIVER_AFTER_COMMIT=True)


def eventually(condition, seconds=5.0):
    """Poll ``condition`` briefly (mail goes out right after the commit, in the request)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def in_locale(app, locale, lazy):
    with app.test_request_context(), force_locale(locale):
        return str(lazy)


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def success_shown(page):
    expect(page.locator("#messages .message-success")).to_be_visible()


# 1. The coordinator registers Amira and prints her invitation -------------------------


def register_amira(page, app):
    page.goto("/coordinate/people/new")
    assert_accessible(page)
    page.locator("#name").fill(AMIRA)
    page.locator("#locale").select_option("ar")
    expect(page.locator("#email")).to_have_value("")
    expect(page.locator("#phone")).to_have_value("")
    page.locator("#neighbourhood").select_option(label="Villeneuve")
    page.locator("form[action='/coordinate/people/new'] [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/coordinate/people/\d+/invitation$"))
    success_shown(page)
    person_id = int(re.search(r"/people/(\d+)/", page.url).group(1))
    with app.app_context():
        amira = db.session.get(User, person_id)
        assert (amira.name, amira.email, amira.phone, amira.locale) == (AMIRA, None, None, "ar")
        sign_in_name = amira.sign_in_name
        db.session.rollback()
    assert sign_in_name

    sheet = page.locator("article.invitation")
    expect(sheet).to_have_attribute("lang", "ar")
    expect(sheet).to_have_attribute("dir", "rtl")
    expect(sheet.locator("dd", has_text=sign_in_name)).to_have_count(1)
    qr = sheet.locator("img[src^='data:image/']")
    expect(qr).to_have_count(1)
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    code = sheet.locator(".short-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{2}", code), code
    assert_accessible(page)
    return person_id, sign_in_name, code


# 2. Amira claims it on her phone, in Arabic ------------------------------------------


def claim_on_a_phone(browser, live_server, app, person_id, sign_in_name, code):
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="ar",
                                  is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    try:
        response = phone.goto(f"/invite/{code}")
        assert response.status == 200
        expect(phone.locator("html")).to_have_attribute("lang", "ar")
        expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        expect(phone.locator("main")).to_contain_text(sign_in_name)
        fits_the_phone(phone)
        assert_accessible(phone)
        phone.locator("#password").fill(NEW_PASSWORD)
        phone.locator("#confirm").fill(NEW_PASSWORD)
        expect(phone.locator("#email")).to_have_value("")  # optional: left empty
        phone.locator("#consent").check()
        phone.locator(f"form[action='/invite/{code}'] [type=submit]").click()

        expect(phone).to_have_url(re.compile(r"/buddy$"))
        success_shown(phone)
        expect(phone.locator("form[action='/logout']")).to_have_count(1)  # signed in
        expect(phone.locator("html")).to_have_attribute("dir", "rtl")
        fits_the_phone(phone)
        assert_accessible(phone)
        with app.app_context():
            invitation = db.session.scalar(db.select(Invitation).filter_by(user_id=person_id))
            assert invitation.used_at is not None
            assert db.session.get(User, person_id).check_password(NEW_PASSWORD)
            db.session.rollback()

        # The same paper again: a clear page, nothing changed.
        again = phone.goto(f"/invite/{code}")
        assert again.status == 410
        expect(phone.locator(".message-error")).to_be_visible()
        expect(phone.locator("form[action^='/invite/']")).to_have_count(0)
        fits_the_phone(phone)
    finally:
        context.close()


# 3. A buddy request on her behalf: propose, withdraw, propose someone else -------------


def candidate_name(candidate):
    return candidate.locator("h3").evaluate("h => h.firstChild.textContent.trim()")


def email_of(app, name):
    with app.app_context():
        address = db.session.scalar(db.select(User.email).where(User.name == name))
        db.session.rollback()
    return address


def request_proposals_withdraw(page, app, inbox, person_id):
    page.goto(f"/coordinate/people/{person_id}/request")
    page.locator("input[name=kind][value=mentor]").check()
    page.locator("#languages-0-language").select_option("ar")
    page.locator("#languages-0-level").select_option("native")
    page.locator("input[name=needs][value=procedures]").check()
    page.locator("input[name=needs][value=customs]").check()
    expect(page.locator("#neighbourhood")).not_to_have_value("")  # hers, chosen at sign-up
    page.locator("#availability-tue-afternoon").check()
    page.locator("#availability-sat-morning").check()
    expect(page.locator("input[name=preferred_contact][value=phone]")).to_be_checked()
    page.locator(f"form[action='/coordinate/people/{person_id}/request'] #submit").click()
    expect(page).to_have_url(re.compile(rf"/coordinate/people/{person_id}$"))
    success_shown(page)
    with app.app_context():
        request_id = db.session.scalar(db.select(BuddyRequest.id).filter_by(user_id=person_id))
        db.session.rollback()
    detail = f"/coordinate/matching/requests/{request_id}"

    # The first suggestion.
    page.locator(f"a[href='{detail}']").first.click()
    expect(page).to_have_url(re.compile(detail + "$"))
    candidates = page.locator("ol.candidates li.candidate")
    expect(candidates.nth(1)).to_be_visible()  # at least two volunteers to choose from
    first = candidate_name(candidates.first)
    first_email = email_of(app, first)
    candidates.first.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/coordinate/matching$"))
    success_shown(page)

    # Withdrawn: the volunteer is told (Amira has no email: she is on the list to call).
    page.goto(detail)
    expect(page.locator("#proposal-title")).to_contain_text(first)
    told = len(inbox.to(first_email))
    page.locator("#proposal form[action$='/withdraw'] textarea").fill(
        "Amira would rather meet someone in Villeneuve.")
    page.locator("#proposal form[action$='/withdraw'] [type=submit]").click()
    expect(page).to_have_url(re.compile(detail + "$"))
    success_shown(page)
    expect(page.locator("#proposal")).to_have_count(0)
    assert eventually(lambda: len(inbox.to(first_email)) == told + 1), inbox.messages

    # Another volunteer.
    others = page.locator("ol.candidates li.candidate").filter(
        has_not=page.locator("h3", has_text=first))
    expect(others.first).to_be_visible()
    second = candidate_name(others.first)
    assert second != first
    others.first.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/coordinate/matching$"))
    success_shown(page)

    page.goto(detail)
    expect(page.locator("#proposal-title")).to_contain_text(second)
    expect(page.locator("#proposal-title")).not_to_contain_text(first)
    assert_accessible(page)

    # Her page lists both proposals: the first withdrawn, the second waiting.
    withdrawn = in_locale(app, "fr", MATCH_STATE_LABELS[WITHDRAWN])
    waiting = in_locale(app, "fr", MATCH_STATE_LABELS[PROPOSED])
    page.goto(f"/coordinate/people/{person_id}")
    matches = page.locator("section[aria-labelledby=matching-heading] li")
    expect(matches.filter(has_text=first)).to_contain_text(withdrawn)
    expect(matches.filter(has_text=second)).to_contain_text(waiting)
    with app.app_context():
        states = db.session.execute(db.select(User.name, Match.status)
                                    .join(User, User.id == Match.volunteer_id)
                                    .where(Match.request_id == request_id)
                                    .order_by(Match.id)).all()
        db.session.rollback()
    assert [tuple(row) for row in states] == [(first, WITHDRAWN), (second, PROPOSED)]

    # Without email, the proposal waiting for her answer puts her on the list to call.
    page.goto("/coordinate/people/to-call")
    expect(page.locator(f"main a[href='/coordinate/people/{person_id}']")).not_to_have_count(0)


# 4. A message to the people of a training session, by SMTP, once -----------------------


def session_with_people(app):
    """The demo's past safeguarding session, its people and their addresses and languages."""
    with app.app_context():
        session_id = db.session.scalar(
            db.select(TrainingSession.id).join(TrainingModule)
            .where(TrainingModule.title == SAFEGUARDING)
            .order_by(TrainingSession.starts_at).limit(1))
        people = db.session.execute(
            db.select(User.email, User.locale).join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.session_id == session_id,
                   Enrollment.status.in_(MARKABLE_ENROLLMENT_STATES))).all()
        db.session.rollback()
    return session_id, {address: locale for address, locale in people}


def message_the_session(page, app, inbox):
    session_id, people = session_with_people(app)
    assert len(people) >= 3 and all(people), people
    page.goto("/coordinate/messages")
    page.locator("#group").select_option(SESSION_ENROLLED)
    page.locator("#session_id").select_option(str(session_id))
    page.locator("#subject_fr").fill("Rappel : formation sur la sécurité")
    page.locator("#body_fr").fill("Bonjour,\n\nMerci d'être venus à la formation.")
    page.locator("#subject_en").fill("Reminder: safeguarding training")
    page.locator("#body_en").fill("Hello,\n\nThank you for coming to the training.")
    page.locator("#preview").click()

    preview = page.locator("section[aria-labelledby=preview-heading]")
    expect(preview).to_be_visible()
    # The group and the kind of message, then "N people will get this message. M by email."
    counts = preview.locator(":scope > p").nth(1).inner_text()
    count, emailed = (int(n) for n in re.findall(r"\d+", counts)[:2])
    assert (count, emailed) == (len(people), len(people)), counts
    assert_accessible(page)

    # The form as it is about to be sent, to post it again afterwards.
    posted = page.locator("#compose form").evaluate(
        "form => Object.fromEntries(new FormData(form))")
    posted["send"] = "y"
    before = len(inbox.messages)
    with app.app_context():
        outbox_before = db.session.scalar(db.select(db.func.count(OutgoingEmail.id)))
        db.session.rollback()

    send = preview.locator("button[name=send]")
    expect(send).to_contain_text(str(count))
    send.click()
    expect(page).to_have_url(re.compile(r"/coordinate/messages/\d+$"))
    success_shown(page)
    sent_page = page.url
    assert eventually(lambda: len(inbox.messages) == before + emailed), inbox.messages
    delivered = inbox.messages[before:]
    assert sorted(r for recipients, _ in delivered for r in recipients) == sorted(people)
    for address, locale in people.items():  # each in their language, else French
        expected = ("Reminder: safeguarding training" if locale == "en"
                    else "Rappel : formation sur la sécurité")
        assert inbox.to(address)[-1] == expected, (address, locale)
    assert_accessible(page)

    # The same form posted again (a second click, a resubmission): nothing more is sent.
    response = page.request.post("/coordinate/messages", form=posted)
    assert response.ok and response.url == sent_page
    assert 'class="message message-info"' in response.text()  # "already sent"
    assert 'class="message message-success"' not in response.text()
    assert len(inbox.messages) == before + emailed
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Message.id)).where(
            Message.token == posted["token"])) == 1
        assert db.session.scalar(db.select(db.func.count(OutgoingEmail.id))) == (
            outbox_before + emailed)
        db.session.rollback()


def test_a_coordinators_day(browser, live_server, live_app, smtp_inbox):
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    try:
        log_in(page, COORDINATOR)
        person_id, sign_in_name, code = register_amira(page, live_app)
        claim_on_a_phone(browser, live_server, live_app, person_id, sign_in_name, code)
        request_proposals_withdraw(page, live_app, smtp_inbox, person_id)
        message_the_session(page, live_app, smtp_inbox)
        assert errors == []
    finally:
        context.close()
