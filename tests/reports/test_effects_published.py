"""The effects of tests/checkins/test_effects.py (12 paired newcomers, counted by hand), in
every channel they leave by: the /impact page, its SVG charts, the CSV files, the published
snapshot. Small groups are hidden the same way in each."""

import csv
import io
import re

import pytest
from sqlalchemy import update

from mentorship.accounts.models import User
from mentorship.checkins.models import CheckinAnswer, CheckinQuestion
from mentorship.extensions import db
from mentorship.reports import figures, services
from mentorship.reports.definitions import EFFECTS_HOW, HIDDEN, SMALL
from mentorship.reports.models import PublishedReport
from tests.checkins.test_effects import PUBLISHED, build_effects, checkin_of
from tests.conftest import page_text
from tests.matching.conftest import places  # noqa: F401  (fixture)

GROUPS = ("improved", "same", "worse")


@pytest.fixture
def effects_year(app, places):  # noqa: F811
    return build_effects(app, places)


def said(line):
    """What a page says for a published line (hand-written below for a few rows too)."""
    def text(value):
        return {SMALL: "fewer than 5", HIDDEN: "hidden"}.get(value, str(value))

    pairs = line["pairs"]
    cells = {"pairs": text(pairs), "skipped": text(line["skipped"])}
    for group in GROUPS:
        value = line[group]
        shown = value not in (SMALL, HIDDEN) and pairs not in (SMALL, HIDDEN) and pairs
        cells[group] = (f"{value} of {pairs} ({round(100 * value / pairs)}%)" if shown
                        else text(value))
    return cells


def effect_rows(html):
    """{"three_months-language": {"pairs": "12", "improved": "7 of 12 (58%)", …}, …}"""
    return {row: dict(re.findall(r'data-effect-cell="(\w+)">([^<]*)<', cells))
            for row, cells in re.findall(r'<tr data-effect="([\w-]+)">(.*?)</tr>', html)}


def chart_bars(html, chart_id):
    """{question: [(group, x, width), …]} of one effects chart, and its marks."""
    svg = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title {chart_id}-desc".*?</svg>',
                    html, re.S)
    assert svg, chart_id
    svg = svg.group(0)
    assert 'role="img"' in svg and f'<title id="{chart_id}-title">' in svg
    assert f'<desc id="{chart_id}-desc">' in svg
    bars = {key: re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" '
                            r'height="\d+" fill-opacity="[\d.]+" data-group="(\w+)"', body)
            for key, body in re.findall(r'data-effect-bar="(\w+)">(.*?)</g>', svg, re.S)}
    marks = re.findall(r'class="value">([^<]*)<', svg)
    return {key: [(group, x, width) for x, width, group in found]
            for key, found in bars.items()}, marks


def test_the_impact_page_shows_the_effects_with_small_groups_hidden(client, effects_year):
    year, _matches = effects_year
    html = page_text(client.get(f"/impact?year={year}"))
    rows = effect_rows(html)
    assert rows == {f"{moment}-{key}": said(line) for moment, lines in PUBLISHED.items()
                    for key, line in lines.items()}
    # By hand: 7 of 12 improved; the 3 who stayed and the 2 who worsened are hidden.
    assert rows["three_months-language"] == {
        "pairs": "12", "improved": "7 of 12 (58%)", "same": "fewer than 5",
        "worse": "fewer than 5", "skipped": "0"}
    # 4 improved: hidden, and the 8 who stayed hidden too (12 - 8 - 0 would give it back).
    assert rows["three_months-isolation"] == {
        "pairs": "12", "improved": "fewer than 5", "same": "hidden", "worse": "0 of 12 (0%)",
        "skipped": "0"}
    assert rows["three_months-welcome"]["skipped"] == "fewer than 5"
    # Three newcomers reached the end: a group of 3, never shown.
    assert rows["end-housing"] == dict.fromkeys(("pairs", *GROUPS), "fewer than 5") | {
        "skipped": "0"}
    assert "Everyday conversations" in html and "Work, training or a course" in html
    how = page_text(client.get("/impact/how-we-count"))
    for definition in EFFECTS_HOW:
        assert f'data-definition="{definition.key}">{definition.how}<' in how


def test_the_coordinator_home_shows_the_same_effects(client, login_as, effects_year):
    """The dashboard's effects section says what /impact says (the published lines, small
    groups hidden), and the check-ins page links to it and to the annual report."""
    year, _matches = effects_year
    public = effect_rows(page_text(client.get(f"/impact?year={year}")))
    login_as("coordinator")
    home = page_text(client.get("/coordinate"))
    assert 'id="effects-heading"' in home
    assert effect_rows(home) == public
    assert effect_rows(home)["three_months-language"]["improved"] == "7 of 12 (58%)"
    chart_bars(home, f"effects-three_months-{year}")  # the accessible chart too
    checkins = page_text(client.get("/coordinate/checkins"))
    assert 'href="/coordinate#effects-heading"' in checkins
    assert f'href="/coordinate/reports?year={year}"' in checkins


def test_the_charts_draw_no_bar_for_a_hidden_group(client, effects_year):
    year, _matches = effects_year
    html = page_text(client.get(f"/impact?year={year}"))
    bars, marks = chart_bars(html, f"effects-three_months-{year}")
    # Shares of 600 units: 7 of 12 = 350; 5 of 12 = 250; 6 of 10 = 360; 5 of 11 = 272.7.
    assert bars == {
        "language": [("improved", "0.0", "350.0")],
        "procedures": [("improved", "0.0", "250.0"), ("same", "250.0", "350.0")],
        "isolation": [],
        "welcome": [("improved", "0.0", "360.0")],
        "housing": [("same", "0.0", "272.7")],
        "work": [("same", "0.0", "250.0")],
    }
    assert sorted(marks) == ["5", "5", "5", "6", "7", "7"]
    end_bars, end_marks = chart_bars(html, f"effects-end-{year}")
    assert all(found == [] for found in end_bars.values()) and end_marks == []
    # Right to left, the bars start on the right.
    arabic = page_text(client.get(f"/impact?year={year}", headers={"Accept-Language": "ar"}))
    bars, _marks = chart_bars(arabic, f"effects-three_months-{year}")
    assert bars["language"] == [("improved", "250.0", "350.0")]
    assert bars["procedures"] == [("improved", "350.0", "250.0"), ("same", "0.0", "350.0")]


def csv_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return {(row["comparison"], row["question"]): row
            for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}


def assert_csv_is_published(rows):
    marks = {SMALL: "<5", HIDDEN: "x"}
    names = {"three_months": "start_to_three_months", "end": "start_to_end"}
    assert len(rows) == 12
    for moment, lines in PUBLISHED.items():
        for key, line in lines.items():
            row = rows[(names[moment], key)]
            for column in ("pairs", *GROUPS, "skipped"):
                assert row[column] == str(marks.get(line[column], line[column])), (key, column)
            hidden = any(line[c] in (SMALL, HIDDEN) for c in line)
            assert ("fewer than 5" in row["note"]) == hidden
            assert not {row[c] for c in ("pairs", *GROUPS, "skipped")} & {"1", "2", "3", "4"}


def test_the_csv_files_say_the_same(app, client, login_as, effects_year):
    year, _matches = effects_year
    coordinator = login_as("coordinator")
    rows = csv_of(client, f"/coordinate/reports/{year}-effects.csv")
    assert_csv_is_published(rows)
    assert rows[("start_to_three_months", "language")]["improved"] == "7"
    assert rows[("start_to_three_months", "language")]["same"] == "<5"
    assert rows[("start_to_three_months", "isolation")]["same"] == "x"
    page = page_text(client.get(f"/coordinate/reports?year={year}"))
    assert f"/coordinate/reports/{year}-effects.csv" in page
    assert effect_rows(page)["three_months-language"]["improved"] == "7 of 12 (58%)"
    with app.app_context():
        services.publish(db.session.get(User, coordinator.id), year)
        db.session.commit()
    assert_csv_is_published(csv_of(client, f"/impact/reports/{year}/effects.csv"))
    assert f"/impact/reports/{year}/effects.csv?version=1" in \
        page_text(client.get("/impact")).replace("&amp;", "&")


def test_only_coordinators_download_the_live_effects(client, login_as, effects_year):
    year, _matches = effects_year
    assert client.get(f"/coordinate/reports/{year}-effects.csv").status_code in (302, 303)
    login_as("resident")
    assert client.get(f"/coordinate/reports/{year}-effects.csv").status_code == 403


def test_a_published_report_does_not_move_when_answers_change(app, client, login_as,
                                                              effects_year):
    year, matches = effects_year
    coordinator = login_as("coordinator")
    with app.app_context():
        report = services.publish(db.session.get(User, coordinator.id), year)
        db.session.commit()
        assert report.data["effects"] == PUBLISHED
        report_id = report.id
        # n11 and n12 now say "very good" to the first question three months on.
        language = db.session.scalar(db.select(CheckinQuestion.id).where(
            CheckinQuestion.key == "language"))
        later = [checkin_of(matches[n], moment="three_months") for n in (11, 12)]
        db.session.execute(update(CheckinAnswer).where(
            CheckinAnswer.checkin_id.in_(later), CheckinAnswer.question_id == language)
            .values(value=5))
        db.session.commit()
        # Live: 9 improved, 3 stayed (hidden), none worse: the 9 hides too.
        assert figures.published_effects(year)["three_months"]["language"] == {
            "pairs": 12, "improved": HIDDEN, "same": SMALL, "worse": 0, "skipped": 0}
    live = effect_rows(page_text(client.get(f"/impact?year={year}")))
    assert live["three_months-language"]["improved"] == "hidden"
    frozen = effect_rows(page_text(client.get(f"/impact/reports/{year}")))
    assert frozen["three_months-language"]["improved"] == "7 of 12 (58%)"
    assert frozen == effect_rows(page_text(client.get(f"/impact/reports/{year}")))
    assert_csv_is_published(csv_of(client, f"/impact/reports/{year}/effects.csv"))
    with app.app_context():
        assert db.session.get(PublishedReport, report_id).data["effects"] == PUBLISHED


def test_a_report_published_before_effects_says_it_has_none(app, client, effects_year):
    year, _matches = effects_year
    with app.app_context():
        data = figures.published(year)
        del data["effects"]
        db.session.add(PublishedReport(year=year, version=1, data=data))
        db.session.commit()
    html = page_text(client.get(f"/impact/reports/{year}"))
    assert "it has no effects section" in html
    assert effect_rows(html) == {}
    response = client.get(f"/impact/reports/{year}/effects.csv")
    assert response.get_data(as_text=True).strip().splitlines() == [
        "comparison,question,pairs,improved,same,worse,skipped,note"]
