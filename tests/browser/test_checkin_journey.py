"""Check-ins, in a real browser, on the demo: Olena (newcomer@example.org, reads Ukrainian)
answers her start check-in on a 390 px phone without JavaScript, one question per screen,
picking answers by their words; her "very hard" flags the match. The coordinator (reads
French) sees the flag, answers Iryna's check-in on her behalf (recorded as such), resolves
the flag with a note, publishes this year's report and downloads its PDF, whose text
layer holds the effects section and a figure the /impact page shows.

Nobody's wording is typed here: questions are found by the wording stored in the
database, answers by their words in the reader's language (taken from the app's own
catalogue), buttons by name, href or position, so the journey holds before and after the
strings are translated."""

import io
import re

import pytest
from flask_babel import force_locale
from playwright.sync_api import expect
from pypdf import PdfReader

from mentorship.accounts.models import User
from mentorship.audit.models import AuditEvent
from mentorship.checkins.models import (
    ANSWERED,
    NEWCOMER,
    SCALE,
    SCALE_LABELS,
    TEXT,
    VERY_HARD_ANSWER,
    WORK_LABELS,
    Checkin,
    CheckinAnswer,
)
from mentorship.checkins.services import questions_for
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.matching.models import PROPOSED, VERY_HARD, Match, MatchFlag
from mentorship.matching.services import respond
from mentorship.reports.models import PublishedReport
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import USING_POSTGRES

pytestmark = [pytest.mark.browser, pytest.mark.skipif(
    USING_POSTGRES, reason="the pages do not depend on the database: checked once, in the "
    "SQLite suite (the check-in rules run on PostgreSQL in their own tests)")]

OLENA = "newcomer@example.org"  # reads Ukrainian; her start check-in is waiting
IRYNA = "iryna.bondar@example.org"  # proposed to Amina: both accept before the journey
AMINA = "amina.benali@example.org"
COORDINATOR = "coordinator@example.org"  # Karim, reads French
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
HELP_TEXT = "Допомога з документами для префектури."
RESOLUTION = "Appelé Olena : rendez-vous pris à la permanence juridique mardi."

# Olena's answers, by question key: a step of the scale or of work, SKIP, or free text.
SKIP = object()
OLENA_ANSWERS = {"language": VERY_HARD_ANSWER, "procedures": 2, "isolation": SKIP,
                 "welcome": 4, "housing": 3, "work": 1, "help": HELP_TEXT}
# The coordinator's answers for Iryna (chosen by value: the journey is about the record).
IRYNA_ANSWERS = {"language": 3, "procedures": 4, "isolation": 3, "welcome": 5,
                 "housing": 4, "work": 1, "help": "Un cours de français le soir."}


def in_locale(app, locale, lazy):
    with app.test_request_context(), force_locale(locale):
        return str(lazy)


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def success_shown(page):
    expect(page.locator("#messages .message-success")).to_be_visible()


def squeezed(text):
    """Text without any white space (a PDF's text layer spaces words its own way)."""
    return re.sub(r"\s+", "", text)


def user_id(email):
    return db.session.scalar(db.select(User.id).filter_by(email=email))


def accessible_snapshot(page, *, viewport, locale):
    """axe-core needs JavaScript: check the very page the browser without it shows (its
    HTML served again at its address, its stylesheet loaded) in a page that runs scripts,
    at the same size and in the same language; it fits the phone there too."""
    html, url = page.content(), page.url
    context = page.context.browser.new_context(viewport=viewport, locale=locale)
    try:
        snapshot = context.new_page()
        snapshot.route(re.compile(re.escape(url) + "$"),
                       lambda route: route.fulfill(body=html, content_type="text/html"))
        snapshot.goto(url)
        expect(snapshot.locator("html")).to_have_attribute("lang", locale)
        fits_the_phone(snapshot)
        assert_accessible(snapshot)
    finally:
        context.close()


# Before the browser starts -------------------------------------------------------------


def start_irynas_match(app):
    """Iryna and Amina accept their proposal: the match starts and opens their start
    check-ins (the match_started signal). Returns Iryna's check-in id."""
    with app.app_context(), app.test_request_context():
        match = db.session.scalar(db.select(Match).where(
            Match.newcomer_id == user_id(IRYNA), Match.volunteer_id == user_id(AMINA),
            Match.status == PROPOSED))
        assert match is not None, "the demo proposes Amina to Iryna"
        for email in (AMINA, IRYNA):
            respond(db.session.get(User, user_id(email)), match.id, True)
        db.session.commit()
        checkin_id = db.session.scalar(db.select(Checkin.id).where(
            Checkin.match_id == match.id, Checkin.audience == NEWCOMER,
            Checkin.status == "open"))
        db.session.rollback()
    assert checkin_id is not None
    return checkin_id


def journey_facts(app):
    """Olena's check-in and match, the newcomer's questions (id, key, kind, wording in
    Ukrainian) and the words of her answers in Ukrainian."""
    with app.app_context():
        olena = user_id(OLENA)
        checkin = db.session.scalar(db.select(Checkin).where(
            Checkin.person_id == olena, Checkin.audience == NEWCOMER,
            Checkin.status == "open"))
        assert checkin is not None, "the demo leaves Olena's start check-in waiting"
        facts = {
            "olena": olena, "checkin": checkin.id, "match": checkin.match_id,
            "coordinator": user_id(COORDINATOR),
            "questions": [(q.id, q.key, q.kind, q.current.text("uk"))
                          for q in questions_for(NEWCOMER)],
        }
        db.session.rollback()
    labels = {SCALE: SCALE_LABELS, "work": WORK_LABELS}
    facts["words"] = {key: in_locale(app, "uk", labels[kind][value])
                      for _id, key, kind, _w in facts["questions"]
                      for value in [OLENA_ANSWERS[key]]
                      if kind in labels and value is not SKIP}
    assert [key for _i, key, _k, _w in facts["questions"]] == list(OLENA_ANSWERS)
    return facts


# 1. Olena answers on her phone, in Ukrainian, without JavaScript -----------------------


def answer_on_the_phone(browser, live_server, app, facts):
    context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                  viewport=PHONE, locale="uk", is_mobile=True,
                                  has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    checkin_url = f"/checkins/{facts['checkin']}"
    try:
        log_in(phone, OLENA)
        phone.goto("/buddy")
        expect(phone.locator("html")).to_have_attribute("lang", "uk")
        card = phone.locator("section.checkin-waiting")
        expect(card).to_have_count(1)
        fits_the_phone(phone)
        card.locator(f"a[href='{checkin_url}']").click()

        expect(phone).to_have_url(re.compile(re.escape(checkin_url) + "$"))
        fits_the_phone(phone)
        phone.locator(f"main a[href='{checkin_url}?step=1']").click()

        count = len(facts["questions"])
        for number, (_id, key, kind, wording) in enumerate(facts["questions"], start=1):
            expect(phone).to_have_url(re.compile(rf"{re.escape(checkin_url)}\?step={number}$"))
            # One question per screen: its stored wording is the page's only heading.
            expect(phone.get_by_role("heading", level=1)).to_have_count(1)
            expect(phone.get_by_role("heading", level=1)).to_have_text(wording)
            expect(phone.locator("form.checkin-question")).to_have_count(1)
            fits_the_phone(phone)
            answer = OLENA_ANSWERS[key]
            if kind == SCALE:  # words and faces; the faces are decorative
                expect(phone.get_by_role("radio")).to_have_count(5)
                expect(phone.locator("label.checkin-option svg.face[aria-hidden=true]")
                       ).to_have_count(5)
            if number == 1:
                accessible_snapshot(phone, viewport=PHONE, locale="uk")
            if answer is SKIP:
                phone.locator("form.checkin-question button[name=skip]").click()
                continue
            if kind == TEXT:
                phone.get_by_role("textbox", name=wording).fill(answer)
            else:
                choice = phone.get_by_role("radio", name=facts["words"][key], exact=True)
                choice.check()
                expect(choice).to_be_checked()
            phone.locator("form.checkin-question button[name=next]").click()

        # The answers to check, the skipped one shown as such, then "Send".
        expect(phone).to_have_url(re.compile(rf"{re.escape(checkin_url)}\?step=review$"))
        rows = phone.locator("ol.checkin-answers > li")
        expect(rows).to_have_count(count)
        expect(rows.nth(0)).to_contain_text(facts["words"]["language"])
        expect(rows.nth(2).locator(".badge")).to_have_count(1)  # isolation: skipped
        expect(phone.locator("ol.checkin-answers .badge")).to_have_count(1)
        expect(rows.nth(count - 1)).to_contain_text(HELP_TEXT)
        fits_the_phone(phone)
        accessible_snapshot(phone, viewport=PHONE, locale="uk")
        phone.locator(f"main form[action='{checkin_url}?step=review'] [type=submit]").click()

        expect(phone).to_have_url(re.compile(rf"{re.escape(checkin_url)}\?step=done$"))
        expect(phone.get_by_role("heading", level=1)).to_have_count(1)
        expect(phone.locator("main a[href='/buddy']")).to_have_count(1)
        fits_the_phone(phone)
        accessible_snapshot(phone, viewport=PHONE, locale="uk")

        # Reloading the thank-you page sends nothing again; the form is gone.
        phone.goto(f"{checkin_url}?step=review")
        expect(phone.locator("main form[method=post]")).to_have_count(0)
        accessible_snapshot(phone, viewport=PHONE, locale="uk")  # the "already sent" page
    finally:
        context.close()

    with app.app_context():
        checkin = db.session.get(Checkin, facts["checkin"])
        assert checkin.status == ANSWERED
        assert (checkin.answered_by_id, checkin.on_behalf) == (facts["olena"], False)
        answers = {row.question.key: row for row in db.session.scalars(
            db.select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin.id))}
        assert answers["language"].value == VERY_HARD_ANSWER
        assert (answers["isolation"].skipped, answers["isolation"].value) == (True, None)
        assert answers["work"].value == 1 and answers["welcome"].value == 4
        assert answers["help"].text == HELP_TEXT
        flags = db.session.scalars(db.select(MatchFlag).where(
            MatchFlag.match_id == facts["match"], MatchFlag.resolved_at.is_(None))).all()
        assert [(f.reason, f.checkin_id) for f in flags] == [(VERY_HARD, checkin.id)]
        db.session.rollback()


# 2. The coordinator sees the flag and answers Iryna's check-in on her behalf -----------


def answer_on_behalf(page, app, facts, iryna_checkin):
    page.goto("/coordinate/checkins")
    flagged = page.locator(f"#match-{facts['match']}")
    expect(flagged).to_be_visible()
    expect(flagged.locator(f"a[href='/coordinate/people/{facts['olena']}']")).to_have_count(1)
    expect(flagged.locator(f"a[href='/checkins/{facts['checkin']}']")).to_have_count(1)
    assert_accessible(page)

    # Olena's answers as the coordinator sees them: the skipped one is not a value.
    flagged.locator(f"a[href='/checkins/{facts['checkin']}']").click()
    expect(page.locator("ol.checkin-answers > li")).to_have_count(len(facts["questions"]))
    expect(page.locator("ol.checkin-answers .badge")).to_have_count(1)
    page.go_back()

    row = page.locator("section[aria-labelledby=waiting-heading] tbody tr").filter(
        has=page.locator(f"a[href='/checkins/{iryna_checkin}']"))
    expect(row).to_have_count(1)
    row.locator("td.cell-actions a").click()
    checkin_url = f"/checkins/{iryna_checkin}"
    expect(page).to_have_url(re.compile(re.escape(checkin_url) + "$"))
    expect(page.locator(".checkin-on-behalf")).to_be_visible()
    page.locator(f"main a[href='{checkin_url}?step=1']").click()
    for number, (_id, key, kind, _wording) in enumerate(facts["questions"], start=1):
        expect(page).to_have_url(re.compile(rf"{re.escape(checkin_url)}\?step={number}$"))
        expect(page.locator(".checkin-on-behalf")).to_be_visible()
        if kind == TEXT:
            page.locator("textarea[name=answer]").fill(IRYNA_ANSWERS[key])
        else:
            page.locator(f"input[name=answer][value='{IRYNA_ANSWERS[key]}']").check()
        page.locator("form.checkin-question button[name=next]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(checkin_url)}\?step=review$"))
    expect(page.locator("ol.checkin-answers .badge")).to_have_count(0)  # nothing skipped
    page.locator(f"main form[action='{checkin_url}?step=review'] [type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(checkin_url)}\?step=done$"))
    expect(page.locator("main a[href='/coordinate/checkins']")).to_have_count(1)

    with app.app_context():
        checkin = db.session.get(Checkin, iryna_checkin)
        assert checkin.person_id == user_id(IRYNA)
        assert checkin.status == ANSWERED
        assert (checkin.answered_by_id, checkin.on_behalf) == (facts["coordinator"], True)
        values = {row.question.key: (row.value, row.text, row.skipped) for row in
                  db.session.scalars(db.select(CheckinAnswer).where(
                      CheckinAnswer.checkin_id == iryna_checkin))}
        assert values["welcome"] == (5, None, False)
        assert values["help"] == (None, IRYNA_ANSWERS["help"], False)
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "checkin.answered_on_behalf",
            AuditEvent.record_id == iryna_checkin,
            AuditEvent.actor_id == facts["coordinator"])) == 1
        db.session.rollback()

    # No longer waiting.
    page.goto("/coordinate/checkins")
    expect(page.locator(f"a[href='/checkins/{iryna_checkin}']")).to_have_count(0)


# 3. The coordinator resolves the flag ---------------------------------------------------


def resolve_the_flag(page, app, facts):
    person = f"/coordinate/people/{facts['olena']}"
    page.goto(person)
    badge = page.locator("main a.badge-urgent[href='/coordinate/checkins']")
    expect(badge).to_have_count(1)
    # The list of active matches: the row of Olena's match (its "End" link) has the badge.
    matches = "/coordinate/matching/matches"
    listed = page.locator("main tbody tr").filter(has=page.locator(
        f"a[href='{matches}/{facts['match']}/end']"))
    page.goto(matches)
    expect(listed).to_have_count(1)
    expect(listed.locator("a.badge-urgent")).to_have_count(1)

    page.goto("/coordinate/checkins")
    flagged = page.locator(f"#match-{facts['match']}")
    # Each flag links to its own page, where the coordinator records what was done.
    flagged.locator("a[href$='/resolve']").first.click()
    expect(page).to_have_url(re.compile(r"/coordinate/checkins/flags/\d+/resolve$"))
    page.locator("form[action$='/resolve'] textarea").fill(RESOLUTION)
    page.locator("form[action$='/resolve'] [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/coordinate/checkins$"))
    success_shown(page)
    expect(page.locator(f"#match-{facts['match']}")).to_have_count(0)
    recent = page.locator("section[aria-labelledby=resolved-heading] tbody tr").filter(
        has_text=RESOLUTION)
    expect(recent).to_have_count(1)

    page.goto(person)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(badge).to_have_count(0)
    page.goto(matches)
    expect(listed).to_have_count(1)
    expect(listed.locator("a.badge-urgent")).to_have_count(0)

    with app.app_context():
        flag = db.session.scalar(db.select(MatchFlag).where(
            MatchFlag.checkin_id == facts["checkin"], MatchFlag.reason == VERY_HARD))
        assert flag.resolved_at is not None
        assert (flag.resolution, flag.resolved_by_id) == (RESOLUTION, facts["coordinator"])
        db.session.rollback()


# 4. The report: published, then downloaded as PDF -------------------------------------


def effects_figure(page, year):
    """The first effects figure /impact shows for ``year`` (a share with its counts, not
    a hidden group), or None."""
    page.goto(f"/impact?year={year}")
    for cell in page.locator("[data-effect-cell=improved]").all():
        text = cell.inner_text().strip()
        if re.search(r"\d", text) and text != "0":
            return cell.evaluate("td => td.closest('tr').dataset.effect"), text
    return None


def publish_and_download(page, app, tmp_path):
    with app.app_context():
        this_year = programme_today().year
    # This year's report, where the demo's effects are (early in January, last year's).
    year, (row, figure) = next((year, found) for year in (this_year, this_year - 1)
                               if (found := effects_figure(page, year)))
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count(PublishedReport.id)).filter_by(
            year=year))
        db.session.rollback()

    page.goto(f"/coordinate/reports?year={year}")
    publish = page.locator("main form[method=post]")
    if before:  # a new version says what changed
        publish.locator("textarea").fill("Les effets des accompagnements en cours.")
    else:
        expect(publish.locator("textarea")).to_have_count(0)
    publish.locator("[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/coordinate/reports\?year={year}$"))
    success_shown(page)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PublishedReport.id)).filter_by(
            year=year)) == before + 1
        db.session.rollback()

    page.locator(f"main a[href='/impact/reports/{year}']").click()
    expect(page).to_have_url(re.compile(rf"/impact/reports/{year}$"))
    heading = page.locator("#effects-heading")
    expect(heading).to_be_visible()
    expect(page.locator(f"[data-effect={row}] [data-effect-cell=improved]").first
           ).to_have_text(figure)
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.locator(f"main a[href^='/impact/reports/{year}.pdf']").click()
    download = download_info.value
    assert download.suggested_filename == f"annual-report-{year}-v{before + 1}.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = squeezed("\n".join(p.extract_text() or "" for p in reader.pages))
    assert squeezed(heading.inner_text()) in text
    assert squeezed(figure) in text, (figure, row)


def test_checkin_journey(browser, live_server, live_app, tmp_path):
    iryna_checkin = start_irynas_match(live_app)
    facts = journey_facts(live_app)

    answer_on_the_phone(browser, live_server, live_app, facts)

    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    try:
        log_in(page, COORDINATOR)
        answer_on_behalf(page, live_app, facts, iryna_checkin)
        resolve_the_flag(page, live_app, facts)
        page.goto("/coordinate/checkins/questions")
        expect(page.locator("main table")).to_have_count(2)  # newcomers', volunteers'
        assert_accessible(page)
        publish_and_download(page, live_app, tmp_path)
        assert errors == []
    finally:
        context.close()
