"""`flask seed-demo --scale N`: volume for the benchmarks, valid for the app, added once."""

from sqlalchemy import func, insert, select, text

from mentorship.accounts.models import User
from mentorship.demo import DEMO_PASSWORD
from mentorship.extensions import db
from mentorship.hours.models import PENDING, HourEntry
from mentorship.matching.models import BuddyRequest, Match
from mentorship.scale import BUSIEST, BUSIEST_ENTRIES, MARKER, _counts
from mentorship.training.models import TrainingSession
from mentorship.volunteering.models import Application, Commitment

SCALE = 0.02
SCALED = User.email.like("scale%@example.org")


def _scaled_ids():
    return select(User.id).where(SCALED)


def _count(model, *conditions):
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _every_table():
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


# Rows that would contradict what the app maintains; each query counts the offenders (the
# last two only among the scaled rows: the demo's history has no applications and older
# passes).
INCONSISTENCIES = {
    "matched request without its active match": """
        SELECT COUNT(*) FROM buddy_requests r WHERE r.status = 'matched' AND NOT EXISTS (
            SELECT 1 FROM matches m WHERE m.request_id = r.id AND m.status = 'active')""",
    "active match on a request not matched": """
        SELECT COUNT(*) FROM matches m JOIN buddy_requests r ON r.id = m.request_id
        WHERE m.status = 'active' AND r.status <> 'matched'""",
    "proposal on a request not open": """
        SELECT COUNT(*) FROM matches m JOIN buddy_requests r ON r.id = m.request_id
        WHERE m.status = 'proposed' AND r.status <> 'open'""",
    "live match on a commitment not active": """
        SELECT COUNT(*) FROM matches m JOIN commitments c ON c.id = m.commitment_id
        WHERE m.status IN ('active', 'proposed') AND c.status <> 'active'""",
    "match of another role than its request": """
        SELECT COUNT(*) FROM matches m JOIN commitments c ON c.id = m.commitment_id
        JOIN buddy_requests r ON r.id = m.request_id WHERE c.role <> r.role""",
    "commitment over its role's capacity": """
        SELECT COUNT(*) FROM (SELECT m.commitment_id, MAX(v.capacity) AS places
            FROM matches m JOIN commitments c ON c.id = m.commitment_id
            JOIN volunteer_roles v ON v.code = c.role
            WHERE m.status IN ('active', 'proposed') GROUP BY m.commitment_id
            HAVING COUNT(*) > MAX(v.capacity)) AS over""",
    "hours outside their commitment": """
        SELECT COUNT(*) FROM hour_entries h JOIN commitments c ON c.id = h.commitment_id
        WHERE h.day < c.start_date OR h.day > COALESCE(c.ended_on, c.end_date)""",
    "hours of another commitment's match": """
        SELECT COUNT(*) FROM hour_entries h JOIN matches m ON m.id = h.match_id
        WHERE m.commitment_id <> h.commitment_id OR m.volunteer_id <> h.user_id""",
    "decided hours without a decision": """
        SELECT COUNT(*) FROM hour_entries
        WHERE status <> 'pending' AND (decided_at IS NULL OR decided_by_id IS NULL)""",
    "commitment without its approved application": """
        SELECT COUNT(*) FROM commitments c LEFT JOIN applications a ON a.id = c.application_id
        JOIN users u ON u.id = c.user_id WHERE u.email LIKE 'scale%'
        AND (a.id IS NULL OR a.status <> 'approved' OR a.user_id <> c.user_id)""",
    "match proposed before its request": """
        SELECT COUNT(*) FROM matches m JOIN buddy_requests r ON r.id = m.request_id
        WHERE m.created_at < r.created_at""",
    "perk with more passes than claimed": """
        SELECT COUNT(*) FROM perks p WHERE p.id IN (
            SELECT s.perk_id FROM passes s JOIN users u ON u.id = s.user_id
            WHERE u.email LIKE 'scale%')
        AND (p.claimed < (SELECT COUNT(*) FROM passes s WHERE s.perk_id = p.id)
             OR p.claimed > p.stock)""",
}


def _copy_of_last(model, *where, **changes):
    """Insert a copy of the last such row without its id: the database picks the next id
    (on PostgreSQL, from a sequence that must have been moved past the scaled rows)."""
    table = model.__table__
    row = dict(db.session.execute(select(table).where(*where).order_by(table.c.id.desc())
                                  .limit(1)).mappings().one())
    last = row.pop("id")
    row.update(changes)
    new = db.session.execute(insert(table).values(**row)).inserted_primary_key[0]
    assert new > last


def _log_in(client, email):
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def test_scale_adds_proportional_valid_data_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--scale", str(SCALE)])
    assert result.exit_code == 0, result.output
    assert "hour_entries: " in result.output and " s:" in result.output
    expected = _counts(SCALE)
    with app.app_context():
        volunteers = _scaled_ids().where(User.email.not_like("scale-newcomer%"))
        newcomers = _scaled_ids().where(User.email.like("scale-newcomer%"))
        assert _count(User, SCALED) == expected["volunteers"] + expected["newcomers"]
        assert _count(User, User.id.in_(newcomers)) == expected["newcomers"]
        # One commitment per volunteer, an approved application behind each, and the queue.
        assert _count(Commitment, Commitment.user_id.in_(volunteers)) == expected["volunteers"]
        assert _count(Application, Application.user_id.in_(volunteers),
                      Application.status == "approved") == expected["volunteers"]
        assert _count(Application, Application.user_id.in_(volunteers),
                      Application.open_role.is_not(None)) == expected["waiting_applications"]
        # Matches (active, ended, proposed) and declined proposals.
        scaled_matches = Match.volunteer_id.in_(volunteers)
        assert _count(Match, scaled_matches, Match.status != "declined") == expected["matches"]
        assert _count(Match, scaled_matches, Match.status == "declined") == expected["declines"]
        assert _count(Match, scaled_matches, Match.status == "active") > 0
        assert _count(Match, scaled_matches, Match.status == "proposed") > 0
        # Hours: every entry of the volume, a few pending, the busiest volunteer's share.
        scaled_hours = HourEntry.user_id.in_(volunteers)
        assert _count(HourEntry, scaled_hours) == expected["hours"]
        pending = _count(HourEntry, scaled_hours, HourEntry.status == PENDING)
        assert 0 < pending < expected["hours"] * 0.15
        busiest = db.session.scalar(select(User.id).where(User.email == BUSIEST))
        assert _count(HourEntry, HourEntry.user_id == busiest) == min(
            BUSIEST_ENTRIES, expected["hours"] // 20)
        # Requests waiting with no proposal: the coordinators' board has work.
        waiting = _count(BuddyRequest, BuddyRequest.user_id.in_(newcomers),
                         BuddyRequest.status == "open",
                         ~BuddyRequest.matches.any())
        assert waiting == expected["open_requests"]
        found = {name: db.session.scalar(text(sql)) for name, sql in INCONSISTENCIES.items()}
        assert found == dict.fromkeys(INCONSISTENCIES, 0)
        before = _every_table()

    again = runner.invoke(args=["seed-demo", "--scale", str(SCALE)])
    assert again.exit_code == 0, again.output
    assert MARKER in again.output
    smaller = runner.invoke(args=["seed-demo", "--scale", "0.01"])
    assert smaller.exit_code == 0, smaller.output
    with app.app_context():
        assert _every_table() == before
        # The app's own inserts still find free ids after the explicit ones.
        _copy_of_last(User, email="after-scale@example.org", sign_in_name=None)
        _copy_of_last(Application, Application.open_role.is_(None))
        _copy_of_last(Commitment, Commitment.current_role.is_(None))
        _copy_of_last(BuddyRequest, BuddyRequest.current_role.is_(None))
        _copy_of_last(Match)
        _copy_of_last(TrainingSession)
        db.session.commit()


def test_scaled_accounts_log_in_and_the_coordinator_pages_render(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", str(SCALE)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        newcomer = db.session.scalar(
            select(User.email).join(BuddyRequest, BuddyRequest.user_id == User.id)
            .where(SCALED, BuddyRequest.status == "open").limit(1))
    for email, path in ((BUSIEST, "/hours"), (BUSIEST, "/volunteer"), (newcomer, "/buddy")):
        client = app.test_client()
        _log_in(client, email)
        assert client.get(path).status_code == 200, (email, path)
    client = app.test_client()
    _log_in(client, "coordinator@example.org")
    for path in ("/coordinate", "/coordinate/hours", "/coordinate/matching",
                 "/coordinate/applications", "/impact"):
        assert client.get(path).status_code == 200, path
