"""The annual report as a document: the page, the PDF drawn by WeasyPrint (read back
through its text layer with pypdf), frozen snapshots, and what WeasyPrint may fetch.

Each PDF costs a render: the tests draw as few as they can."""

import io
import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from mentorship.accounts.models import User, UserRole
from mentorship.awards import public as award_page
from mentorship.awards.models import AwardCategory, AwardCycle, PublicConsent, Shortlisted
from mentorship.checkins.models import Checkin, CheckinAnswer, CheckinQuestion
from mentorship.checkins.services import ensure_questions
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.matching.models import Match
from mentorship.reports import document, figures, services
from mentorship.reports.models import MilestoneReached, PublishedReport
from tests.conftest import page_text

ARABIC = re.compile("[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")


def pdf_text(response):
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def flat(text):
    """The text layer with its line breaks folded (a sentence may wrap)."""
    return " ".join(text.split())


def language_pairs(year):
    """The six newcomers whose match started in March of ``year`` (build_three_years)
    answered "everyday conversations" 2 at the start and 4 three months later."""
    ensure_questions()
    question = db.session.scalar(db.select(CheckinQuestion).where(
        CheckinQuestion.key == "language"))
    matches = db.session.scalars(db.select(Match).where(
        Match.activated_at >= datetime(year, 3, 1), Match.activated_at < datetime(year, 4, 1))
    ).all()
    assert len(matches) == 6
    for match in matches:
        for moment, month, value in (("baseline", 3, 2), ("three_months", 6, 4)):
            day = date(year, month, 20)
            db.session.add(Checkin(
                match_id=match.id, person_id=match.newcomer_id, audience="newcomer",
                moment=moment, opens_on=day, due_on=day, status="answered",
                answered_at=datetime(year, month, 20, 12), answers=[CheckinAnswer(
                    question_id=question.id, question_version_id=question.versions[0].id,
                    value=value)]))


@pytest.fixture
def published_year(app, three_years):
    """Year A of the three-year programme with six paired newcomers (language_pairs), two
    milestones (one of them too small to publish), an announced award whose mentor winner
    agreed to be named and whose language-buddy winner did not; published once. Returns
    (year, ids of the winners)."""
    year = three_years
    with app.app_context():
        language_pairs(year)
        coordinator = User(name="Coordinator", email="coordinator-doc@example.org",
                           password_hash="!", roles=[UserRole(role="coordinator")])
        named = User(name="Zoya Named", email="named@example.org", password_hash="!",
                     roles=[UserRole(role="resident")])
        private = User(name="Quentin Private", email="private@example.org",
                       password_hash="!", roles=[UserRole(role="resident")])
        db.session.add_all([coordinator, named, private])
        db.session.flush()
        cycle = AwardCycle(year=year, state="announced", nominations_open_on=date(year, 9, 1),
                           nominations_close_on=date(year, 10, 1),
                           voting_deadline=date(year, 11, 1),
                           ceremony_at=datetime(year, 12, 10, 17))
        mentor = AwardCategory(code="mentor_of_the_year", position=0, winner_id=named.id)
        buddy = AwardCategory(code="language_buddy_of_the_year", position=1,
                              winner_id=private.id)
        cycle.categories = [mentor, buddy]
        db.session.add(cycle)
        db.session.flush()
        db.session.add_all([Shortlisted(category_id=mentor.id, nominee_id=named.id),
                            Shortlisted(category_id=buddy.id, nominee_id=private.id),
                            PublicConsent(cycle_id=cycle.id, user_id=named.id),
                            MilestoneReached(year=year, threshold=3),
                            MilestoneReached(year=year, threshold=5)])
        services.publish(coordinator, year)
        db.session.commit()
        return year, named.id, private.id


def test_publishing_freezes_milestones_and_the_winners_shown(app, published_year):
    year, named, _private = published_year
    with app.app_context():
        data = services.latest_report(year).data
    assert data["milestones"] == [5]  # 3 is below the suppression rule: never published
    assert data["winners"] == [{"category": "mentor_of_the_year", "user_id": named,
                                "name": "Zoya Named"}]


def test_the_pdf_is_the_whole_report_drawn_once(app, client, published_year, monkeypatch):
    year, _named, _private = published_year
    with app.app_context():
        data = services.latest_report(year).data
        programme = services.get_settings().name
    drawn = []
    real = document.render_pdf
    monkeypatch.setattr(document, "render_pdf", lambda html: drawn.append(1) or real(html))
    response = client.get(f"/impact/reports/{year}.pdf")
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="annual-report-{year}-v1.pdf"'
    text = flat(pdf_text(response))
    # The cover.
    assert programme in text and f"Annual report {year}" in text and "Version 1" in text
    # The activity figures, as the snapshot froze them.
    assert f"Residents who volunteered {data['totals']['volunteers']}" in text
    assert f"Residents who accompanied newcomers {data['totals']['accompanying']}" in text
    assert "Month by month" in text
    # The effects: six pairs, all improved.
    assert data["effects"]["three_months"]["language"]["pairs"] == 6
    assert "How newcomers are doing" in text
    assert "Everyday conversations 6 6 of 6 (100%) 0 of 6 (0%) 0 of 6 (0%) 0" in text
    # The methodology, from the same definitions.
    assert "Methodology" in text and "at least one day of the year" in text
    assert "fewer than 5" in text  # the suppression rule is stated
    # Milestones (never a small one) and the winner who agreed to be named, only.
    assert f"At least 5 residents accompanied newcomers in {year}." in text
    assert "At least 3" not in text
    assert "Mentor of the year Zoya Named" in text  # the award, then the name
    assert "Quentin Private" not in text and "Language buddy of the year" not in text
    # Tagged for screen readers, in the reader's language.
    catalog = PdfReader(io.BytesIO(response.data)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/Lang"] == "en"
    # Published versions never change: the second download is served from memory.
    again = client.get(f"/impact/reports/{year}.pdf?version=1")
    assert again.data == response.data and len(drawn) == 1


def test_the_pdf_stays_frozen_and_a_withdrawn_winner_disappears(app, client, published_year):
    year, named, _private = published_year
    before = flat(pdf_text(client.get(f"/impact/reports/{year}.pdf")))
    with app.app_context():
        # Later changes: more approved hours, another milestone, a second mentor winner.
        db.session.add(HourEntry(user_id=named, day=date(year, 4, 2), minutes=6000,
                                 activity="meeting", status="approved"))
        db.session.add(MilestoneReached(year=year, threshold=10))
        db.session.commit()
        assert figures.published(year)["totals"] != services.latest_report(year).data["totals"]
    app.extensions["report_pdfs"].clear()  # drawn again from the snapshot
    assert flat(pdf_text(client.get(f"/impact/reports/{year}.pdf"))) == before
    with app.app_context():
        cycle_id = db.session.scalar(db.select(AwardCycle.id).where(AwardCycle.year == year))
        award_page.set_public_consent(db.session.get(User, named), cycle_id, False)
        db.session.commit()
    after = flat(pdf_text(client.get(f"/impact/reports/{year}.pdf")))
    assert "Zoya Named" in before and "Zoya Named" not in after
    assert "None of the winners chose to be named." in after
    assert "Zoya Named" not in page_text(client.get(f"/impact/reports/{year}"))


def test_the_arabic_pdf_is_right_to_left(app, client, published_year):
    year, _named, _private = published_year
    headers = {"Accept-Language": "ar"}
    text = pdf_text(client.get(f"/impact/reports/{year}.pdf", headers=headers))
    assert ARABIC.search(text)
    with app.test_request_context(headers=headers):
        report = services.latest_report(year)
        html = document.render_template("reports/report_document.html", report=report,
                                        doc=document.document(report, rtl=True))
    assert re.search(r'<html lang="ar" dir="rtl">', html)


def test_the_page_is_the_same_document_with_links_to_pdf_and_print(client, published_year):
    year, _named, _private = published_year
    html = page_text(client.get(f"/impact/reports/{year}"))
    assert f'href="/impact/reports/{year}.pdf?version=1"' in html
    assert "Print command" in html
    headings = re.findall(r"<h([1-6])[^>]*>", html)
    assert headings[0] == "1" and all(int(b) - int(a) <= 1
                                      for a, b in zip(headings, headings[1:], strict=False))
    for heading in ("The year’s activity", "How newcomers are doing", "Milestones and awards",
                    "Methodology"):
        assert f">{heading}</h2>" in html
    assert 'data-milestone="5"' in html and "Zoya Named" in html
    assert "Quentin Private" not in html
    assert '<section class="report-section"' in html and "<caption>" in html


def test_an_older_version_says_what_it_did_not_publish(app, client, three_years):
    year = three_years
    with app.app_context():
        data = figures.published(year)
        del data["effects"]
        db.session.add(PublishedReport(year=year, version=1, data=data))
        db.session.commit()
    html = page_text(client.get(f"/impact/reports/{year}"))
    assert "Milestones were not part of this version of the report." in html
    assert "The award winners were not part of this version of the report." in html
    assert "it has no effects section" in html


def test_an_unknown_year_or_version_is_not_found(client, published_year):
    year, _named, _private = published_year
    assert client.get(f"/impact/reports/{year + 1}.pdf").status_code == 404
    assert client.get(f"/impact/reports/{year}.pdf?version=7").status_code == 404


@pytest.mark.parametrize("url", [
    "http://example.org/style.css", "https://127.0.0.1/", "ftp://example.org/x",
    "file:///etc/passwd", "file://example.org/etc/passwd", "data:text/css,body{}",
])
def test_weasyprint_fetches_nothing_but_static_files(app, url):
    with pytest.raises(document.RefusedFetch):
        document.static_fetcher(app.static_folder)(url)


def test_weasyprint_may_not_leave_the_static_folder(app, tmp_path):
    fetch = document.static_fetcher(app.static_folder)
    static = app.static_folder.rstrip("/")
    with pytest.raises(document.RefusedFetch):
        fetch(f"file://{static}/../config.py")
    with pytest.raises(document.RefusedFetch):
        fetch(f"file://{static}/css")  # a folder
    fetched = fetch(f"file://{static}/css/report.css")
    assert b".report-cover" in fetched.read() and fetched.content_type == "text/css"
    fetched.close()


def test_an_erased_winner_leaves_every_snapshot(app, published_year):
    year, named, private = published_year
    with app.app_context():
        services.forget_winner(private)  # never stored: nothing changes
        services.forget_winner(named)
        db.session.commit()
        assert services.latest_report(year).data["winners"] == []
