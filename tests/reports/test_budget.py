"""Issue 17's budget for the reports pages: at most 8 statements per request, the same
number whatever the data, and at most 30 KB of HTML."""

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.reports import services
from tests.conftest import MAX_BYTES, MAX_QUERIES, count_queries, page_text
from tests.reports.conftest import build_three_years


def publish_every_year(app, years):
    with app.app_context():
        actor = db.session.scalar(db.select(User).limit(1))
        for year in years:
            services.publish(actor, year)
        db.session.commit()


def test_impact_keeps_its_budget_whatever_the_history(app, client):
    with count_queries(app) as empty:
        assert client.get("/impact").status_code == 200
    assert empty.count <= MAX_QUERIES, empty.statements
    year = build_three_years(app)
    publish_every_year(app, (year, year + 1, year + 2))
    # Each change commits: the kept figures are counted again, with the same statements.
    with count_queries(app) as three_years:
        response = client.get(f"/impact?year={year}")
    build_three_years(app)
    with count_queries(app) as six_years:
        again = client.get(f"/impact?year={year}")
    assert three_years.count == six_years.count == empty.count
    for page in (response, again):
        assert len(page.data) < MAX_BYTES
        assert 'data-metric="volunteers"' in page_text(page)


def test_coordinator_reports_keep_their_budget(app, client, login_as):
    login_as("coordinator")
    with count_queries(app) as empty:
        assert client.get("/coordinate/reports").status_code == 200
    assert empty.count <= MAX_QUERIES, empty.statements
    year = build_three_years(app)
    publish_every_year(app, (year, year + 1))
    with count_queries(app) as once:
        response = client.get(f"/coordinate/reports?year={year}")
    build_three_years(app)
    with count_queries(app) as twice:
        again = client.get(f"/coordinate/reports?year={year}")
    assert once.count == twice.count <= MAX_QUERIES, twice.statements
    for page in (response, again):
        assert page.status_code == 200 and len(page.data) < MAX_BYTES


def test_the_figures_page_stays_within_30_kb_in_every_language(app):
    """Arabic and Ukrainian letters take two bytes each: the demo's figures, effects and
    charts still fit, because "How we count" has its own page."""
    from mentorship.demo import seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
    for code in app.config["LANGUAGES"]:
        client = app.test_client()
        client.post("/language", data={"language": code})
        html = page_text(response := client.get("/impact"))
        assert f'lang="{code}"' in html and 'data-effect-bar=' in html
        assert len(response.data) < MAX_BYTES, (code, len(response.data))
        assert 'href="/impact/how-we-count"' in html
        how = client.get("/impact/how-we-count")
        assert how.status_code == 200 and len(how.data) < MAX_BYTES
