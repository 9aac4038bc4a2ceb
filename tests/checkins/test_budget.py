"""The coordinator's check-in pages within the performance budget (issue 17): at most 8
statements per request, the same however many flagged matches, resolved flags and
waiting check-ins there are, and under 30 KB of HTML with more than a page of each."""

from mentorship.checkins.services import ensure_questions
from mentorship.database import utcnow
from mentorship.extensions import db
from mentorship.matching.models import MatchFlag
from tests.checkins.test_coordinate import _flag_many
from tests.conftest import MAX_BYTES, count_queries, page_text
from tests.conftest import MAX_QUERIES as BUDGET


def resolve_some(app, how_many, by):
    """Resolve the first ``how_many`` open flags, as ``by`` (each with what was done)."""
    with app.app_context():
        for flag in db.session.scalars(db.select(MatchFlag).where(
                MatchFlag.resolved_at.is_(None)).order_by(MatchFlag.id).limit(how_many)):
            flag.resolved_at, flag.resolved_by_id = utcnow(), by.id
            flag.resolution = "Called them both; a meeting is planned next week. " * 3
        db.session.commit()


def load(app, client, path):
    with count_queries(app) as counted:
        response = client.get(path)
    assert response.status_code == 200
    return counted.count, page_text(response), len(response.data)


def test_the_checkins_page_stays_within_the_budget(app, client, login_as):
    me = login_as("coordinator")
    _flag_many(app, 2)
    resolve_some(app, 1, me)
    client.get("/coordinate/checkins")  # the first request of a test fills caches
    few, html, _size = load(app, client, "/coordinate/checkins")
    assert few <= BUDGET
    assert "2 matches need attention" in html and "2 check-ins waiting" in html
    _flag_many(app, 40)  # four pages of flagged matches, two of waiting check-ins
    resolve_some(app, 20, me)  # more resolved flags than the page shows
    many, html, size = load(app, client, "/coordinate/checkins")
    assert many == few
    assert "42 check-ins waiting" in html and "32 matches need attention" in html
    assert "Page 1 of 4" in html
    assert size < MAX_BYTES, size
    for path in ("/coordinate/checkins?page=3&waiting_page=2",
                 "/coordinate/checkins?audience=newcomer&moment=baseline"):
        count, _html, size = load(app, client, path)
        assert count == few and size < MAX_BYTES, (path, size)


def test_the_questions_page_stays_within_the_budget(app, client, login_as):
    login_as("coordinator")
    with app.app_context():  # the questions exist (as after the first check-in)
        ensure_questions()
        db.session.commit()
    count, html, size = load(app, client, "/coordinate/checkins/questions")
    assert count <= BUDGET and size < MAX_BYTES
    assert "Check-in questions" in html
