"""Published reports keep their numbers; old raw snapshots still never show a small one;
the milestone banner agrees with the figures."""

import csv
import io
import re
from datetime import datetime, time, timedelta

from mentorship.accounts.models import User
from mentorship.dates import programme_today
from mentorship.extensions import db
from mentorship.matching.models import BuddyRequest, Match
from mentorship.reports import services
from mentorship.reports.models import PublishedReport
from mentorship.volunteering.models import Commitment
from tests.conftest import page_text
from tests.reports.test_figures import cells_of


def old_snapshot(year):
    """A report as stored before small numbers were hidden: the raw counts of the day,
    with the old count of volunteers (completed commitments counted in later years)."""
    months = [{"month": f"{year}-{m:02d}", "hours": 0, "matches_started": 0,
               "matches_completed": 0, "certificates": 0, "perks_redeemed": 0}
              for m in range(1, 13)]
    for month, key, value in (("02", "certificates", 6), ("03", "matches_started", 6),
                              ("04", "hours", 12), ("05", "hours", 3),
                              ("05", "certificates", 5), ("06", "hours", 5),
                              ("08", "matches_completed", 4), ("09", "certificates", 3),
                              ("10", "matches_started", 1)):
        months[int(month) - 1][key] = value
    return {"year": year, "totals": {"volunteers": 14, "newcomers": 7, "hours": 20,
                                     "certificates": 14, "matches_completed": 4,
                                     "perks_redeemed": 0},
            "volunteers_by_role": {"mentor": 6, "language_buddy": 3, "housing_helper": 5},
            "months": months}


def test_an_old_snapshot_keeps_its_numbers_and_hides_the_small_ones(app, client, login_as,
                                                                    three_years):
    year = three_years
    coordinator = login_as("coordinator")
    with app.app_context():
        db.session.add(PublishedReport(year=year, version=1, data=old_snapshot(year),
                                       published_by_id=coordinator.id))
        db.session.commit()
    html = page_text(client.get(f"/impact/reports/{year}"))
    cells = cells_of(html)
    assert "earlier way of counting" in html
    # Kept as published (today's count says 9), never recomputed.
    assert cells["metric", "volunteers"] == "14"
    assert ("metric", "accompanying") not in cells  # not published then
    assert cells["metric", "matches_completed"] == "fewer than 5"
    assert cells["role", "mentor"] == "6" and cells["role", "language_buddy"] == "fewer than 5"
    assert cells["role", "housing_helper"] == "hidden"  # else 14 - 6 - 5 gives the 3
    # May's hours came from 2 volunteers (the hour entries say so): hidden, June with them.
    assert cells[f"{year}-05", "hours"] == "hidden: fewer than 5 volunteers"
    assert cells[f"{year}-06", "hours"] == "hidden" and cells[f"{year}-04", "hours"] == "12"
    assert cells[f"{year}-10", "matches_started"] == "fewer than 5"
    assert not {text for text in cells.values()} & {"1", "2", "3", "4"}
    marks = re.findall(r'class="value">([^<]*)<', html)
    assert marks and not set(marks) & {"1", "2", "3", "4"}
    text = client.get(f"/impact/reports/{year}.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[4]["approved_hours"] == "<5" and rows[9]["matches_started"] == "<5"
    assert not {v for row in rows for k, v in row.items() if k != "year"} & {"1", "2", "3", "4"}


def test_a_corrected_version_is_published_with_a_note(app, client, login_as, three_years):
    year = three_years
    coordinator = login_as("coordinator")
    with app.app_context():
        db.session.add(PublishedReport(year=year, version=1, data=old_snapshot(year),
                                       published_by_id=coordinator.id))
        db.session.commit()
    response = client.post(f"/coordinate/reports?year={year}",
                           data={"note": "Completed commitments were counted in later years."})
    assert response.status_code == 303
    with app.app_context():
        first, second = db.session.scalars(db.select(PublishedReport).where(
            PublishedReport.year == year).order_by(PublishedReport.version)).all()
        assert first.data == old_snapshot(year)  # untouched
        assert second.data["format"] == 2 and second.data["totals"]["volunteers"] == 9
    corrected = page_text(client.get(f"/impact/reports/{year}"))
    assert "Completed commitments were counted in later years." in corrected
    assert cells_of(corrected)["metric", "volunteers"] == "9"
    assert "earlier way of counting" not in corrected
    assert cells_of(page_text(client.get(f"/impact/reports/{year}?version=1")))[
        "metric", "volunteers"] == "14"
    # Each version's page links to its own figures file.
    first_page = client.get(f"/impact/reports/{year}?version=1").get_data(as_text=True)
    assert f"/impact/reports/{year}.csv?version=1" in first_page
    assert client.get(f"/impact/reports/{year}.csv?version=1").headers[
        "Content-Disposition"].endswith(f"report-{year}-v1.csv\"")
    assert client.get(f"/impact/reports/{year}.csv").headers[
        "Content-Disposition"].endswith(f"report-{year}-v2.csv\"")


def _accompanying_now(app, make_user, count):
    with app.app_context():
        today = programme_today()
    people = [(make_user("resident"), make_user("newcomer")) for _ in range(count)]
    with app.app_context():
        for volunteer, newcomer in people:
            commitment = Commitment(user_id=volunteer.id, role="mentor", status="active",
                                    current_role="mentor", start_date=today,
                                    end_date=today + timedelta(days=200), min_months=6)
            request = BuddyRequest(user_id=newcomer.id, role="mentor", status="matched",
                                   needs=[], availability=[], preferred_contact="email")
            db.session.add(Match(request=request, commitment=commitment,
                                 volunteer_id=volunteer.id, newcomer_id=newcomer.id,
                                 status="active", activated_at=datetime.combine(today, time())))
        db.session.commit()


def _banner(html):
    found = re.search(r'class="message message-success milestone">([^<]*)<', html)
    return found and found.group(1).strip()


def test_the_milestone_banner_agrees_with_the_figures(app, client, make_user):
    with app.app_context():
        services.get_settings().milestones = [3, 5, 50]
        db.session.commit()
    _accompanying_now(app, make_user, 4)
    with app.app_context():
        assert services.reached_milestone(programme_today().year) == 3  # coordinators know
    impact = page_text(client.get("/impact"))
    # 4 residents: a small number, so neither the figure nor a banner of "3" is published.
    assert cells_of(impact)["metric", "accompanying"] == "fewer than 5"
    assert _banner(impact) is None and _banner(page_text(client.get("/"))) is None
    _accompanying_now(app, make_user, 1)
    impact = page_text(client.get("/impact"))
    cells = cells_of(impact)
    assert cells["metric", "accompanying"] == "5" and cells["metric", "volunteers"] == "5"
    assert _banner(impact) == "At least 5 residents accompanied newcomers this year!"
    assert _banner(page_text(client.get("/"))) == _banner(impact)


def test_snapshots_store_what_the_public_sees(app, make_user, three_years):
    admin = make_user("coordinator")
    with app.app_context():
        report = services.publish(db.session.get(User, admin.id), three_years + 1)
        assert report.data["volunteers_by_role"]["mentor"] == "small"
        assert 3 not in report.data["volunteers_by_role"].values()


def test_milestone_fires_once(app, make_user, today, outbox):
    make_user("coordinator")
    pairs = [(make_user("resident"), make_user("newcomer")) for _ in range(2)]
    with app.app_context():
        settings = services.get_settings()
        settings.milestones = [2, 50]
        for volunteer, newcomer in pairs:
            request = BuddyRequest(user_id=newcomer.id, role="mentor", status="matched",
                                   needs=[], availability=[], preferred_contact="email")
            commitment = Commitment(user_id=volunteer.id, role="mentor", status="active",
                                    start_date=today, end_date=today + timedelta(days=200),
                                    min_months=6)
            db.session.add(Match(request=request, commitment=commitment,
                                 volunteer_id=volunteer.id, newcomer_id=newcomer.id,
                                 status="active", activated_at=datetime.combine(today, time())))
        db.session.commit()
        assert services.check_milestones(today.year) == [2]
        db.session.commit()
        assert services.check_milestones(today.year) == []
        db.session.commit()
        assert services.reached_milestone(today.year) == 2
    assert sum("milestone" in m["Subject"] for m in outbox) == 1
