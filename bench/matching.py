"""Median time of suggestions for one buddy request among 10,000 active volunteers.

    .venv/bin/python bench/matching.py [--volunteers 10000] [--runs 25] [--database URL]

Builds a throwaway SQLite database (or uses --database, e.g. a PostgreSQL URL whose
schema it resets), then times matching.services.suggestions().
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

from sqlalchemy import insert, text  # noqa: E402

from mentorship import create_app  # noqa: E402
from mentorship.accounts.models import LanguageSkill, User, UserRole  # noqa: E402
from mentorship.availability import SLOTS  # noqa: E402
from mentorship.dates import add_months, programme_today  # noqa: E402
from mentorship.extensions import db  # noqa: E402
from mentorship.matching import services  # noqa: E402
from mentorship.matching.models import BuddyRequest  # noqa: E402
from mentorship.programme.models import Neighbourhood  # noqa: E402
from mentorship.volunteering.models import Application, Commitment  # noqa: E402
from mentorship.volunteering.services import ensure_roles  # noqa: E402

LANGUAGES = ("fr", "en", "ar", "uk", "ru", "es", "de", "fa", "tr", "pt")
LEVELS = ("A2", "B1", "B2", "C1", "C2", "native")


def build(volunteers, seed=7):
    rng = random.Random(seed)
    db.drop_all()
    db.create_all()
    ensure_roles()
    today = programme_today()
    db.session.add_all(Neighbourhood(name=f"Quartier {i}") for i in range(12))
    db.session.flush()
    users, roles, skills, applications, commitments = [], [], [], [], []
    for index in range(1, volunteers + 2):
        users.append({"id": index, "email": f"v{index}@example.org", "name": f"Volunteer {index}",
                      "password_hash": "x", "optional_emails": True, "is_enabled": True,
                      "created_at": today})
        roles.append({"user_id": index, "role": "newcomer" if index == 1 else "resident",
                      "granted_at": today})
        for code in rng.sample(LANGUAGES, rng.randint(1, 3)):
            skills.append({"user_id": index, "language": code, "level": rng.choice(LEVELS)})
        if index == 1:
            continue
        start = add_months(today, -rng.randint(0, 5))
        applications.append({
            "id": index, "user_id": index, "role": "language_buddy", "status": "approved",
            "motivation": "x", "neighbourhood_id": rng.randint(1, 12),
            "availability": rng.sample(SLOTS, rng.randint(1, 6)), "start_date": start,
            "pledge_end_date": add_months(start, 6 + rng.randint(0, 6)),
            "submitted_at": today, "updated_at": today})
        commitments.append({
            "user_id": index, "role": "language_buddy", "current_role": "language_buddy",
            "application_id": index, "status": "active", "start_date": start,
            "end_date": applications[-1]["pledge_end_date"], "min_months": 6,
            "created_at": today})
    for model, rows in ((User, users), (UserRole, roles), (LanguageSkill, skills),
                        (Application, applications), (Commitment, commitments)):
        db.session.execute(insert(model), rows)
    request = BuddyRequest(user_id=1, role="language_buddy", current_role="language_buddy",
                           status="open", target_language="fr", needs=["language_practice"],
                           neighbourhood_id=3, availability=["mon-evening", "thu-evening"],
                           preferred_contact="email", created_at=today - timedelta(days=3))
    db.session.add(request)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return request.id


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--volunteers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            started = time.perf_counter()
            request_id = build(args.volunteers)
            print(f"built {args.volunteers} active volunteers in "
                  f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")
        timings = []
        with app.test_request_context():
            request = db.session.get(BuddyRequest, request_id)
            services.suggestions(request)  # warm up
            for _ in range(args.runs):
                started = time.perf_counter()
                best = services.suggestions(request)
                timings.append((time.perf_counter() - started) * 1000)
            print("best suggestion:", best[0].name, best[0].score,
                  " · ".join(str(r) for r in best[0].reasons))
            db.session.remove()
            db.engine.dispose()
        print(f"suggestions among {args.volunteers} volunteers: median "
              f"{statistics.median(timings):.1f} ms, min {min(timings):.1f} ms, "
              f"max {max(timings):.1f} ms over {args.runs} runs")


if __name__ == "__main__":
    main()
