"""The README's "Who sees what" table, checked against the pages.

For every row marked ✓: each path the table names shows the data to that person, and
each person the table marks "—" finds it on no page they can reach (a crawl from the
entry points, following links, as that person). The world is the demo programme, whose
one active match (Élodie Martin, mentor, with Tesfaye Alemu, newcomer) gets phone
numbers, a request note, an hour note and a nomination text that appear nowhere else.
"""

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mentorship.accounts.models import User, find_user_by_email
from mentorship.awards.models import Nomination
from mentorship.dates import programme_today
from mentorship.demo import DEMO_PASSWORD, seed_demo
from mentorship.extensions import db
from mentorship.hours.models import HourEntry
from mentorship.matching.models import Match
from mentorship.training.models import Certificate
from mentorship.volunteering.models import Application
from tests.conftest import make_app, reset_schema
from tests.security.crawl import crawl

README = Path(__file__).resolve().parents[2] / "README.md"
AUDIENCES = ("the person", "buddy", "coordinators", "others", "public")

NEWCOMER, VOLUNTEER = "tesfaye.alemu@example.org", "mentor@example.org"
OTHERS = ("amina.benali@example.org", "iryna.bondar@example.org", "partner@example.org")
NEWCOMER_PHONE, VOLUNTEER_PHONE = "+33 6 11 22 33 44", "+33 6 55 66 77 88"
REQUEST_NOTE = "My landlord wants papers I do not understand"
HOUR_NOTE = "Went with him to the tenants office about the deposit"
CITATION = ("Élodie came to every appointment with me and never once made me feel slow, "
            "she is the reason I could stay")


@dataclass
class Row:
    """What the test knows of a table row: whose data, its value, and the setting of
    the person that the table's "if …" depends on."""

    subject: str  # "newcomer" | "volunteer": whose data the row is about
    value: str
    present: dict = field(default_factory=dict)  # audience -> path checked for the value
    newcomer_prefers: str = "email"
    volunteer_shares: str = "email"


def rows(world):
    return {
        "newcomer's name": Row("newcomer", world["newcomer_name"], {
            "the person": "/account", "buddy": f"/matches/{world['match']}",
            "coordinators": f"/coordinate/matching/requests/{world['request']}"}),
        "newcomer's email": Row("newcomer", NEWCOMER, {
            "the person": "/account", "buddy": f"/matches/{world['match']}",
            "coordinators": f"/coordinate/matching/requests/{world['request']}"}),
        "newcomer's phone": Row("newcomer", NEWCOMER_PHONE, {
            "the person": "/account", "buddy": f"/matches/{world['match']}",
            "coordinators": f"/coordinate/matching/requests/{world['request']}"},
            newcomer_prefers="phone"),
        "newcomer's needs and note": Row("newcomer", REQUEST_NOTE, {
            "the person": "/account/my-data",
            "coordinators": f"/coordinate/matching/requests/{world['request']}"}),
        "volunteer's email": Row("volunteer", VOLUNTEER, {
            "the person": "/account", "buddy": "/buddy",
            "coordinators": f"/coordinate/applications/{world['application']}"}),
        "volunteer's phone": Row("volunteer", VOLUNTEER_PHONE, {
            "the person": "/account", "buddy": "/buddy",
            "coordinators": f"/coordinate/applications/{world['application']}"},
            volunteer_shares="phone"),
        "hours and their notes": Row("volunteer", HOUR_NOTE, {
            "the person": "/hours", "coordinators": "/coordinate/hours"}),
        # The certificate's code (its public page is for whoever holds the code).
        "certificates": Row("volunteer", world["certificate"], {
            "the person": "/training", "coordinators": "/coordinate/training/certificates"}),
        # The nominator (the newcomer) and the nominee (their buddy, who must not read it).
        "nominations": Row("newcomer", CITATION, {
            "the person": "/account/my-data",
            "coordinators": f"/coordinate/awards/{world['cycle']}"}),
    }


def table():
    """The README table: {data: {audience: cell}} for the rows marked ✓."""
    text = README.read_text()
    section = text.split("### Who sees what", 1)[1]
    found = {}
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith(("| data", "|---")):
            if found and not line.startswith("|"):
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[-1] == "✓":
            found[cells[0]] = dict(zip(AUDIENCES, cells[1:-1], strict=True))
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("who-sees"), RATELIMIT_ENABLED=False)
    reset_schema(app)
    with app.app_context():
        db.create_all()
        seed_demo()
        newcomer, volunteer = find_user_by_email(NEWCOMER), find_user_by_email(VOLUNTEER)
        newcomer.phone, volunteer.phone = NEWCOMER_PHONE, VOLUNTEER_PHONE
        match = db.session.scalar(db.select(Match).where(
            Match.newcomer_id == newcomer.id, Match.volunteer_id == volunteer.id,
            Match.status == "active"))
        match.request.note = REQUEST_NOTE
        entry = db.session.scalar(db.select(HourEntry).where(
            HourEntry.user_id == volunteer.id).order_by(HourEntry.day.desc()).limit(1))
        # Dated today: /hours shows the current month (early in a month, the demo's latest
        # entry may be in the previous one).
        entry.note, entry.status, entry.day = HOUR_NOTE, "pending", programme_today()
        nomination = db.session.scalar(db.select(Nomination).where(
            Nomination.nominator_id == newcomer.id, Nomination.nominee_id == volunteer.id)
            .order_by(Nomination.id.desc()).limit(1))
        nomination.citation, nomination.public_citation = CITATION, None
        application = db.session.scalar(db.select(Application.id).where(
            Application.user_id == volunteer.id, Application.status == "approved").limit(1))
        certificate = db.session.scalar(db.select(Certificate.code).where(
            Certificate.user_id == volunteer.id).limit(1))
        found = {"app": app, "certificate": certificate, "match": match.id,
                 "request": match.request_id,
                 "application": application, "cycle": nomination.cycle_id,
                 "newcomer_name": newcomer.name, "newcomer_id": newcomer.id,
                 "volunteer_id": volunteer.id}
        db.session.commit()
    yield found
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def choose(world, row):
    with world["app"].app_context():
        match = db.session.get(Match, world["match"])
        match.request.preferred_contact = row.newcomer_prefers
        db.session.get(User, world["volunteer_id"]).shares_contact = row.volunteer_shares
        db.session.commit()


def client_for(world, email):
    client = world["app"].test_client()
    if email:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 303, email
    return client


def logins(row):
    """Who each audience is for a row about ``row.subject``."""
    person, buddy = (NEWCOMER, VOLUNTEER) if row.subject == "newcomer" else (VOLUNTEER, NEWCOMER)
    return {"the person": [person], "buddy": [buddy],
            "coordinators": ["coordinator@example.org"], "others": list(OTHERS),
            "public": [None]}


def visible(body):
    return html.unescape(re.sub(r"\s+", " ", body))


@pytest.fixture(scope="module")
def reachable(world):
    """Everything each login reaches by following links, with both people sharing their
    email and then their phone: {email: [(path, text)]}."""
    pages = {}
    for shared in ("email", "phone"):
        choose(world, Row("newcomer", "", newcomer_prefers=shared, volunteer_shares=shared))
        for email in (NEWCOMER, VOLUNTEER, *OTHERS, None):
            seen = pages.setdefault(email, [])
            crawl(client_for(world, email), limit=200,
                  on_page=lambda path, status, body, seen=seen: seen.append(
                      (path, visible(body))))
    return pages


def test_the_table_names_every_checked_row(world):
    assert set(table()) == set(rows(world)), "the ✓ rows and the test's rows differ"


@pytest.mark.parametrize("data", sorted(table()))
def test_who_the_table_says_sees_it_does(world, data):
    row, cells = rows(world)[data], table()[data]
    choose(world, row)
    for audience, path in row.present.items():
        assert f"`{re.sub(r'/[0-9]+', '/<', path).split('<')[0]}" in cells[audience], (
            data, audience, cells[audience])
        email = logins(row)[audience][0]
        response = client_for(world, email).get(path)
        assert response.status_code == 200, (data, audience, path)
        assert row.value in visible(response.get_data(as_text=True)), (data, audience, path)


@pytest.mark.parametrize("data", sorted(table()))
def test_who_the_table_says_does_not_see_it_never_does(world, reachable, data):
    row, cells = rows(world)[data], table()[data]
    nobody = [audience for audience in AUDIENCES if cells[audience] == "—"]
    assert nobody, data
    for audience in nobody:
        for email in logins(row)[audience]:
            assert len(reachable[email]) > 5, email  # the crawl really went somewhere
            leaks = [path for path, text in reachable[email] if row.value in text]
            assert not leaks, (data, audience, email, leaks)
