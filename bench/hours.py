"""Render time of the hours pages with 200,000 entries.

    .venv/bin/python bench/hours.py [--entries 200000] [--runs 25] [--database URL]

Builds a throwaway database (2,000 volunteers × 100 entries, a tenth still pending),
then prints the median time and the number of SQL queries of the volunteer's /hours
page and of the coordinator's /coordinate/hours queue.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, text  # noqa: E402

from mentorship import create_app  # noqa: E402
from mentorship.accounts.models import User, UserRole  # noqa: E402
from mentorship.database import utcnow  # noqa: E402
from mentorship.dates import add_months, programme_today  # noqa: E402
from mentorship.extensions import db  # noqa: E402
from mentorship.hours.models import HourEntry  # noqa: E402
from mentorship.volunteering.models import Commitment  # noqa: E402
from mentorship.volunteering.services import ensure_roles  # noqa: E402

PASSWORD = "bench-password-2026"  # noqa: S105


def build(entries, per_volunteer=100, seed=11):
    rng = random.Random(seed)
    db.drop_all()
    db.create_all()
    ensure_roles()
    today, now = programme_today(), utcnow()
    volunteers = entries // per_volunteer
    coordinator = User(email="coordinator@example.org", name="Coordinator",
                       roles=[UserRole(role="coordinator")])
    coordinator.set_password(PASSWORD)
    db.session.add(coordinator)
    db.session.flush()
    password_hash = coordinator.password_hash
    users, roles, commitments, rows = [], [], [], []
    for index in range(volunteers):
        user_id = index + 2
        users.append({"id": user_id, "email": f"v{index}@example.org", "name": f"Vol {index}",
                      "password_hash": password_hash, "optional_emails": True,
                      "is_enabled": True, "created_at": now})
        roles.append({"user_id": user_id, "role": "resident", "granted_at": now})
        start = add_months(today, -14)
        commitments.append({"id": index + 1, "user_id": user_id,
                            "role": rng.choice(("mentor", "language_buddy", "housing_helper")),
                            "status": "active", "start_date": start,
                            "end_date": add_months(start, 24), "min_months": 6,
                            "created_at": now})
        for number in range(per_volunteer):
            day = today - timedelta(days=rng.randint(0, 400))
            status = "pending" if rng.random() < 0.1 else rng.choice(("approved", "approved",
                                                                       "rejected"))
            rows.append({"user_id": user_id, "commitment_id": index + 1, "day": day,
                         "minutes": rng.choice((30, 60, 90, 120)), "activity": "other",
                         "status": status, "token": f"{user_id}-{number}",
                         "created_at": now - timedelta(days=rng.randint(0, 30)),
                         "updated_at": now})
    db.session.execute(insert(User), users)
    db.session.execute(insert(UserRole), roles)
    db.session.execute(insert(Commitment), commitments)
    for chunk in range(0, len(rows), 20_000):
        db.session.execute(insert(HourEntry), rows[chunk:chunk + 20_000])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return "v0@example.org"


def measure(app, client, path, runs):
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    client.get(path)
    timings = []
    for _ in range(runs):
        counter["n"] = 0
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.status_code
    return statistics.median(timings), counter["n"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            started = time.perf_counter()
            volunteer = build(args.entries)
            count = db.session.scalar(db.select(db.func.count()).select_from(HourEntry))
            print(f"built {count} entries in {time.perf_counter() - started:.1f} s "
                  f"({db.engine.dialect.name})")
        for email, path in ((volunteer, "/hours"), ("coordinator@example.org",
                                                    "/coordinate/hours")):
            client = app.test_client()
            client.post("/login", data={"email": email, "password": PASSWORD})
            median, queries = measure(app, client, path, args.runs)
            print(f"{path}: median {median:.1f} ms, {queries} SQL queries")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
