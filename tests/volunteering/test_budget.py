"""The performance budget (issue 17) of the volunteering pages: at most 8 queries a page,
the same however many rows there are, and at most 30 KB of HTML with more rows than a
page holds."""

from datetime import timedelta

from mentorship.accounts.models import LanguageSkill, User, UserRole
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.matching import services as matching
from mentorship.matching.models import Match
from mentorship.volunteering.models import Application, Commitment
from mentorship.volunteering.services import QUEUE_PER_PAGE
from tests.conftest import MAX_BYTES, MAX_QUERIES, log_in, page_text
from tests.volunteering.conftest import cold_count

LONG = "I arrived here myself years ago and I know how lonely the first months are. " * 60


def _people(app, count, first, roles=("resident",)):
    """``count`` people with two languages each; returns their ids."""
    with app.app_context():
        users = [User(name=f"Person {n} Lastname-Longer", email=f"budget{n}@example.org",
                      password_hash="x", phone="+33 6 12 34 56 78",
                      roles=[UserRole(role=r) for r in roles],
                      languages=[LanguageSkill(language="fr", level="native"),
                                 LanguageSkill(language="ar", level="B2")])
                 for n in range(first, first + count)]
        db.session.add_all(users)
        db.session.commit()
        return [u.id for u in users]


def _applications(app, count, first, place, today, role="mentor"):
    """``count`` open applications with a long motivation, each from a new person."""
    with app.app_context():
        for user_id in _people(app, count, first):
            db.session.add(Application(
                user_id=user_id, role=role, open_role=role, motivation=LONG,
                neighbourhood_id=place, availability=["mon-morning", "sat-morning",
                                                      "tue-evening"],
                start_date=today, pledge_end_date=today + timedelta(days=200)))
        db.session.commit()


def _commitments(app, count, first, place, today):
    """Per person: an active commitment, one awaiting training, one ending soon and one
    ended early this year (every section of the commitments page grows)."""
    states = (("active", 150, None), ("awaiting_training", 200, None), ("active", 10, None),
              ("ended_early", 100, "moved_away"))
    with app.app_context():
        for index, user_id in enumerate(_people(app, count, first)):
            status, ends_in, reason = states[index % len(states)]
            application = Application(
                user_id=user_id, role="mentor", status="approved", motivation="To help.",
                neighbourhood_id=place, availability=["sat-morning"], start_date=today,
                pledge_end_date=today + timedelta(days=183))
            db.session.add(application)
            db.session.flush()
            db.session.add(Commitment(
                user_id=user_id, role="mentor", status=status, application_id=application.id,
                current_role=None if reason else "mentor",
                start_date=today - timedelta(days=30), end_date=today + timedelta(days=ends_in),
                min_months=6, ended_on=today if reason else None, end_reason=reason,
                end_note="Moved to Lyon" if reason else None))
        db.session.commit()


def _load(app, client, path):
    with cold_count(app) as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter, page_text(response)


def test_the_applications_queue_keeps_its_budget(app, client, login_as, place, today):
    login_as("coordinator")
    _applications(app, 2, 0, place, today)
    few, _ = _load(app, client, "/coordinate/applications")
    assert few.count <= MAX_QUERIES, few.statements
    _applications(app, 40, 100, place, today, role="language_buddy")
    _applications(app, 10, 200, place, today, role="housing_helper")
    many, html = _load(app, client, "/coordinate/applications")
    assert many.count == few.count, many.statements
    assert "52 applications" in html
    assert html.count('class="decision-form"') == QUEUE_PER_PAGE
    assert len(html.encode()) < MAX_BYTES
    # The queue shows the start of a long motivation; the application's page all of it.
    assert LONG not in html and "Read the whole motivation" in html
    application_id = html.split('id="application-')[1].split('"')[0]
    assert LONG.strip() in page_text(client.get(f"/coordinate/applications/{application_id}"))


def test_the_commitments_page_keeps_its_budget(app, client, login_as, place, today):
    login_as("coordinator")
    _commitments(app, 4, 0, place, today)
    few, _ = _load(app, client, "/coordinate/commitments?state=all")
    assert few.count <= MAX_QUERIES, few.statements
    _commitments(app, 60, 100, place, today)
    many, html = _load(app, client, "/coordinate/commitments?state=all")
    assert many.count == few.count, many.statements
    assert "64 commitments" in html
    assert "The first 5 of 16 are shown." in html  # each section: its first rows, its total
    assert len(html.encode()) < MAX_BYTES
    # The filtered list and its "ending soon" view cost the same.
    for path in ("/coordinate/commitments", "/coordinate/commitments?ending_soon=y",
                 "/coordinate/commitments?state=ended_early&q=person"):
        counter, _ = _load(app, client, path)
        assert counter.count == few.count, (path, counter.statements)


def _history(app, volunteer_id, newcomer_ids, place, today, past, first_year):
    """Past commitments (completed, one renewed), withdrawn applications, and a match
    with each newcomer (active, or proposed) on the volunteer's current commitment."""
    with app.app_context():
        for years_ago in range(first_year, first_year + past):
            start = today - timedelta(days=365 * years_ago)
            application = Application(
                user_id=volunteer_id, role="language_buddy", status="withdrawn",
                motivation="Again.", neighbourhood_id=place, availability=["sat-morning"],
                start_date=start, pledge_end_date=start + timedelta(days=183))
            db.session.add(application)
            db.session.add(Commitment(
                user_id=volunteer_id, role="housing_helper", status="completed",
                start_date=start, end_date=start + timedelta(days=183), min_months=6,
                completed_on=start + timedelta(days=183)))
        current = db.session.scalar(db.select(Commitment).where(
            Commitment.user_id == volunteer_id, Commitment.status == "active"))
        for index, newcomer_id in enumerate(newcomer_ids):
            request = matching.create_request(
                db.session.get(User, newcomer_id), "mentor", languages=[("fr", "A2")],
                target_language=None, needs=["procedures"], note="",
                neighbourhood_id=place, availability=["tue-evening"],
                preferred_contact="phone")
            db.session.flush()
            active = index % 2 == 0
            db.session.add(Match(
                request_id=request.id, commitment_id=current.id, volunteer_id=volunteer_id,
                newcomer_id=newcomer_id, status="active" if active else "proposed",
                activated_at=utcnow() if active else None))
        db.session.commit()


def test_the_volunteer_page_does_not_grow_with_a_long_history(app, client, make_user, place,
                                                               today):
    volunteer = make_user("resident", name="Long Serving")
    with app.app_context():
        application = Application(
            user_id=volunteer.id, role="mentor", status="approved", motivation="To help.",
            neighbourhood_id=place, availability=["sat-morning"], start_date=today,
            pledge_end_date=today + timedelta(days=183))
        db.session.add(application)
        db.session.flush()
        db.session.add(Commitment(
            user_id=volunteer.id, role="mentor", current_role="mentor", status="active",
            application_id=application.id, start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=150), min_months=6))
        db.session.commit()
    _history(app, volunteer.id, _people(app, 2, 0, roles=("newcomer",)), place, today,
             past=1, first_year=1)
    log_in(client, volunteer)
    few, _ = _load(app, client, "/volunteer")
    assert few.count <= MAX_QUERIES, few.statements
    _history(app, volunteer.id, _people(app, 6, 100, roles=("newcomer",)), place, today,
             past=3, first_year=2)
    many, html = _load(app, client, "/volunteer")
    assert many.count == few.count, many.statements
    assert html.count('class="card commitment') == 5
    assert len(html.encode()) < MAX_BYTES


def test_the_roles_page_costs_the_same_few_queries(app, client):
    counter, html = _load(app, client, "/roles")
    assert counter.count <= MAX_QUERIES, counter.statements
    assert len(html.encode()) < MAX_BYTES


def test_the_account_page_keeps_its_budget(app, client, make_user, place):
    # /account is the volunteer's own profile (mentorship/accounts/views.py); its test
    # lives here with the volunteer's other pages.
    few_languages = make_user("resident", languages=(("fr", "native"),))
    log_in(client, few_languages)
    few, _ = _load(app, client, "/account")
    assert few.count <= MAX_QUERIES, few.statements
    many_languages = make_user("resident", "newcomer", languages=(
        ("fr", "native"), ("ar", "C1"), ("en", "B2"), ("uk", "B1"), ("es", "A2"),
        ("de", "A1")))
    other = app.test_client()
    log_in(other, many_languages)
    many, html = _load(app, other, "/account")
    assert 'value="uk"' in html
    assert many.count == few.count, many.statements
    assert len(html.encode()) < MAX_BYTES
