"""Every published figure, checked against the hand counts of tests/reports/conftest.py,
in each channel: the service, the /impact page, its charts, the CSV files, the snapshot."""

import csv
import io
import re
from datetime import date

import pytest

from mentorship.accounts.models import User
from mentorship.checkins.services import EFFECT_KEYS
from mentorship.extensions import db
from mentorship.reports import counting, figures, services
from mentorship.reports.definitions import DEFINITIONS, HIDDEN, MONTHLY, SMALL
from tests.conftest import count_queries, page_text
from tests.reports.conftest import build_three_years

S, H = SMALL, HIDDEN
# Per year (0 = A, three years ago): the raw counts, then what is published. Months not
# listed have 0 everywhere.
RAW = {
    0: {"volunteers": 9, "accompanying": 7, "newcomers": 7, "hours": 20, "certificates": 14,
        "matches_completed": 4, "perks_redeemed": 0},
    1: {"volunteers": 11, "accompanying": 5, "newcomers": 5, "hours": 15, "certificates": 5,
        "matches_completed": 2, "perks_redeemed": 2},
    2: {"volunteers": 5, "accompanying": 3, "newcomers": 3, "hours": 2, "certificates": 0,
        "matches_completed": 1, "perks_redeemed": 0},
}
RAW_ROLES = {0: {"mentor": 6, "language_buddy": 3, "housing_helper": 0},
             1: {"mentor": 3, "language_buddy": 3, "housing_helper": 5},
             2: {"mentor": 0, "language_buddy": 0, "housing_helper": 5}}
PUBLISHED = {
    0: {"totals": {"volunteers": 9, "accompanying": 7, "newcomers": 7, "hours": 20,
                   "certificates": 14, "matches_completed": S, "perks_redeemed": 0},
        # Language buddies are 3: the mentors hide too, or 9 - 6 - 0 would give them away.
        "roles": {"mentor": H, "language_buddy": S, "housing_helper": 0},
        "months": {"02": {"certificates": 6}, "03": {"matches_started": 6},
                   "04": {"hours": 12}, "05": {"hours": S, "certificates": H},
                   "06": {"hours": H}, "08": {"matches_completed": S},
                   "09": {"certificates": S}, "10": {"matches_started": S}}},
    1: {"totals": {"volunteers": 11, "accompanying": 5, "newcomers": 5, "hours": 15,
                   "certificates": 5, "matches_completed": S, "perks_redeemed": S},
        # 3 and 3: together 6, which 2 + 4, 3 + 3 and 4 + 2 all give.
        "roles": {"mentor": S, "language_buddy": S, "housing_helper": 5},
        "months": {"01": {"matches_completed": S}, "02": {"matches_completed": S},
                   "05": {"certificates": 5}, "06": {"matches_started": S},
                   "07": {"hours": 15}, "08": {"perks_redeemed": S},
                   "12": {"matches_started": S}}},
    2: {"totals": {"volunteers": 5, "accompanying": S, "newcomers": S, "hours": S,
                   "certificates": 0, "matches_completed": S, "perks_redeemed": 0},
        "roles": {"mentor": 0, "language_buddy": 0, "housing_helper": 5},
        "months": {"01": {"hours": S}, "02": {"matches_started": S},
                   "03": {"matches_completed": S}}},
}
YEARS = pytest.mark.parametrize("offset", [0, 1, 2])


def expected(year, offset):
    published = PUBLISHED[offset]
    months = [{"month": f"{year}-{m:02d}", **dict.fromkeys(MONTHLY, 0),
               **published["months"].get(f"{m:02d}", {})} for m in range(1, 13)]
    # No check-in in this data: every effects figure is a zero (a zero is shown as 0).
    effects = {moment: {key: dict.fromkeys(("pairs", "improved", "same", "worse", "skipped"), 0)
                        for key in EFFECT_KEYS} for moment in ("three_months", "end")}
    return {"format": 2, "suppress_below": 5, "year": year, "totals": published["totals"],
            "volunteers_by_role": published["roles"], "months": months, "effects": effects}


def said(value, key=None):
    """What the page says for a published value."""
    if value == S:
        return "hidden: fewer than 5 volunteers" if key == "hours" else "fewer than 5"
    return "hidden" if value == H else str(value)


def cells_of(html):
    """Every figure on a page: {("metric", key) | ("role", key) | (month, column): text}."""
    found = {("metric", k): t for k, t in re.findall(r'data-metric="(\w+)">([^<]*)<', html)}
    found |= {("role", k): t for k, t in re.findall(r'data-role="(\w+)">([^<]*)<', html)}
    for month, row in re.findall(r'<tr data-month="([\d-]+)">(.*?)</tr>', html):
        found |= {(month, k): t for k, t in re.findall(r'data-column="(\w+)">([^<]*)<', row)}
    return found


def expected_cells(year, offset):
    data = expected(year, offset)
    cells = {("metric", k): said(v, k) for k, v in data["totals"].items()}
    cells |= {("role", k): said(v) for k, v in data["volunteers_by_role"].items()}
    for row in data["months"]:
        cells |= {(row["month"], k): said(row[k], k) for k in MONTHLY}
    return cells


def chart_marks(html, chart_id):
    svg = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title.*?</svg>', html, re.S)
    assert svg, chart_id
    return re.findall(r'class="value">([^<]*)<', svg.group(0)), svg.group(0)


@YEARS
def test_raw_counts_match_the_hand_counts(app, three_years, offset):
    with app.app_context():
        raw = counting.count_year(three_years + offset)
    assert raw["totals"] == RAW[offset]
    assert raw["volunteers_by_role"] == RAW_ROLES[offset]


@YEARS
def test_people_who_gave_time_are_counted_the_same_for_older_snapshots(app, three_years,
                                                                        offset):
    """An older snapshot's small hours are hidden by how many people gave them, read
    again by ``hours_people``: the same counts as the year's own figures."""
    with app.app_context():
        raw = counting.count_year(three_years + offset)
        people, in_year = counting.hours_people(three_years + offset)
    assert people == raw["hours_people"]
    assert in_year == raw["hours_people_in_year"]
    assert any(people.values())


@YEARS
def test_published_figures_hide_small_numbers(app, three_years, offset):
    year = three_years + offset
    with app.app_context():
        assert figures.published(year) == expected(year, offset)


@YEARS
def test_the_impact_page_shows_the_published_figures(client, three_years, offset):
    year = three_years + offset
    html = page_text(client.get(f"/impact?year={year}"))
    assert cells_of(html) == expected_cells(year, offset)
    assert "Volunteer 1" not in html and "Newcomer 1" not in html


@YEARS
def test_charts_never_draw_a_small_number(client, three_years, offset):
    year = three_years + offset
    html = page_text(client.get(f"/impact?year={year}"))
    data = expected(year, offset)
    for key in ("hours", "matches_started"):
        marks, svg = chart_marks(html, f"{key}-{year}")
        wanted = ["<5" if row[key] == S and key != "hours" else "–" if row[key] in (S, H)
                  else str(row[key]) for row in data["months"]]
        assert [mark.replace("&lt;", "<") for mark in marks] == wanted
        assert not set(marks) & {"1", "2", "3", "4"}
        # A hidden month has no bar at all: its height says nothing.
        heights = re.findall(r'<rect [^>]*height="([\d.]+)"', svg)
        for row, height in zip(data["months"], heights, strict=True):
            if row[key] in (S, H):
                assert float(height) == 0


@YEARS
def test_snapshot_page_and_csv_files_say_the_same(app, client, login_as, three_years, offset):
    year = three_years + offset
    coordinator = login_as("coordinator")
    with app.app_context():
        report = services.publish(db.session.get(User, coordinator.id), year)
        db.session.commit()
        # Besides the figures, the snapshot keeps the year's milestones and award winners.
        snapshot = {k: v for k, v in report.data.items() if k not in ("milestones", "winners")}
        assert snapshot == expected(year, offset)
        assert report.data["milestones"] == [] and report.data["winners"] is None
    assert cells_of(page_text(client.get(f"/impact/reports/{year}"))) == \
        expected_cells(year, offset)
    data = expected(year, offset)
    marks = {S: "<5", H: "x"}
    for url in (f"/impact/reports/{year}.csv", f"/coordinate/reports/{year}.csv"):
        rows = list(csv.DictReader(io.StringIO(client.get(url).get_data(as_text=True))))
        assert [row["month"] for row in rows] == [m["month"] for m in data["months"]]
        for row, month in zip(rows, data["months"], strict=True):
            assert row["approved_hours"] == str(marks.get(month["hours"], month["hours"]))
            assert row["matches_started"] == str(marks.get(month["matches_started"],
                                                           month["matches_started"]))
            assert row["certificates_issued"] == str(marks.get(month["certificates"],
                                                               month["certificates"]))
            hidden = any(month[key] in (S, H) for key in MONTHLY)
            assert ("fewer than 5" in row["note"]) == hidden
            assert not {row[c] for c in row if c not in ("year", "month", "note")} & {
                "1", "2", "3", "4"}


def test_a_completed_commitment_counts_only_in_the_years_it_was_active(app, three_years):
    # v3–v6 completed in A (completed_on set, ended_on empty): mentors in A, never after.
    with app.app_context():
        mentors = [counting.count_year(three_years + k)["volunteers_by_role"]["mentor"]
                   for k in range(3)]
    assert mentors == [6, 3, 0]  # B: v1, v2 renewed; v5 still accompanying n5


def test_a_commitment_ended_before_training_never_counts(app, make_user, three_years):
    # Ended early while waiting for training (or erased then): never active, never counted.
    from mentorship.volunteering.models import Commitment

    person = make_user("resident")
    with app.app_context():
        before = counting.count_year(three_years)["volunteers_by_role"]["housing_helper"]
        db.session.add(Commitment(user_id=person.id, role="housing_helper", status="ended_early",
                                  start_date=date(three_years, 2, 1),
                                  end_date=date(three_years, 8, 1),
                                  ended_on=date(three_years, 3, 1), min_months=6))
        db.session.commit()
        assert counting.count_year(three_years)["volunteers_by_role"]["housing_helper"] == before


@YEARS
def test_the_figures_reconcile(app, three_years, offset):
    with app.app_context():
        raw = counting.count_year(three_years + offset)
    totals = raw["totals"]
    assert totals["accompanying"] <= totals["volunteers"]
    assert totals["volunteers"] <= sum(raw["volunteers_by_role"].values())
    assert totals["matches_completed"] == sum(m["matches_completed"] for m in raw["months"])


def test_how_we_count_is_written_from_the_definitions(client, three_years):
    html = page_text(client.get("/impact/how-we-count"))
    assert 'id="how-we-count"' in html
    for definition in DEFINITIONS:
        assert f'data-definition="{definition.key}">{definition.how}<' in html
    # Every year's figures link to it, beside the rule that hides small numbers.
    for url in ("/impact", f"/impact?year={three_years}"):
        html = page_text(client.get(url))
        link = re.search(r'<p class="how-we-count-link"><a href="/impact/how-we-count">'
                         r'How we count</a> — ([^<]+)</p>', html)
        assert link and "fewer than" in link.group(1).lower(), html[-3000:]


def test_impact_runs_the_same_queries_whatever_the_data(app, client):
    year = build_three_years(app)
    with count_queries(app) as once:
        assert client.get(f"/impact?year={year}").status_code == 200
        assert client.get("/impact").status_code == 200
    build_three_years(app)  # twice the people, matches, hours…
    with count_queries(app) as twice:
        client.get(f"/impact?year={year}")
        client.get("/impact")
    assert twice.count == once.count
