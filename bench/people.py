"""Time of the people search and of the person page with 50,000 people.

    .venv/bin/python bench/people.py [--people 50000] [--runs 25] [--database URL]

Builds a throwaway SQLite database (or uses --database, e.g. a PostgreSQL URL whose
schema it resets): people with accented Latin, Arabic and Cyrillic names, phone numbers,
roles, neighbourhoods, commitments, applications and buddy requests, and one volunteer
with a long history (hours, matches, passes, emails, audit entries). Then prints, through
the test client, the median and 95th percentile time and the SQL queries of typical
searches (with filters) and of that volunteer's person page. Goal: median < 100 ms.
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
from mentorship.audit.models import AuditEvent  # noqa: E402
from mentorship.database import utcnow  # noqa: E402
from mentorship.dates import add_months, programme_today  # noqa: E402
from mentorship.extensions import db  # noqa: E402
from mentorship.hours.models import HourEntry  # noqa: E402
from mentorship.mail import SentEmail  # noqa: E402
from mentorship.matching.models import BuddyRequest, Match  # noqa: E402
from mentorship.programme.models import Neighbourhood  # noqa: E402
from mentorship.recognition.models import Partner, Pass, Perk  # noqa: E402
from mentorship.search import person_search_text  # noqa: E402
from mentorship.volunteering.models import Application, Commitment  # noqa: E402
from mentorship.volunteering.services import ensure_roles  # noqa: E402

PASSWORD = "bench-password-2026"  # noqa: S105
FIRST = ("Zoé", "Amira", "Inès", "Léa", "Chloé", "Hélène", "José", "Jürgen", "Çağla", "Şeyma",
         "Noémie", "Raphaël", "Björn", "Siân", "Paul", "Marie", "Ahmed", "Fatou", "Yusuf",
         "أمينة", "محمد", "فاطمة", "يوسف", "ليلى", "Олександр", "Оксана", "Дмитро", "Марія",
         "Ірина", "Анна", "Sofía", "João")
LAST = ("Lefèvre", "Haddad", "Moreau", "Müller", "Öztürk", "Núñez", "Gonçalves", "Dubois",
        "Martin", "Nguyễn", "Diallo", "Benali", "Kowalski", "Petrenko", "Шевченко",
        "Коваленко", "Бондаренко", "حداد", "الخطيب", "منصور", "Rousseau", "Fernández",
        "Traoré", "Ćosić", "Østergaard")
SEARCHES = (
    "/coordinate/people",
    "/coordinate/people?q=zoe",
    "/coordinate/people?q=lefevre+ines",
    "/coordinate/people?q=%D8%AD%D8%AF%D8%A7%D8%AF&role=newcomer",  # حداد
    "/coordinate/people?q=06+12+3",
    "/coordinate/people?q=example.org&status=serving&neighbourhood=3",
    "/coordinate/people?status=waiting_buddy&neighbourhood=5",
    "/coordinate/people?q=petrenko&page=3",
)


def build(people, seed=16):
    rng = random.Random(seed)
    db.drop_all()
    db.create_all()
    ensure_roles()
    today, now = programme_today(), utcnow()
    db.session.add_all(Neighbourhood(name=f"Quartier {i}") for i in range(1, 13))
    coordinator = User(email="coordinator@example.org", name="Coordinator",
                       roles=[UserRole(role="coordinator")])
    coordinator.set_password(PASSWORD)
    db.session.add(coordinator)
    db.session.flush()
    users, roles, applications, commitments, requests = [], [], [], [], []
    for index in range(people):
        uid = index + 2
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"person{uid}@example.org"
        phone = (f"+33 6 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} "
                 f"{rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
                 if rng.random() < 0.7 else None)
        users.append({"id": uid, "email": email, "name": name, "phone": phone,
                      "password_hash": "x", "optional_emails": True,
                      "is_enabled": rng.random() > 0.02, "created_at": now,
                      "neighbourhood_id": rng.randint(1, 12) if rng.random() < 0.5 else None,
                      "search_text": person_search_text(name, email, phone)})
        newcomer = rng.random() < 0.4
        roles.append({"user_id": uid, "role": "newcomer" if newcomer else "resident",
                      "granted_at": now})
        dice = rng.random()
        if newcomer and dice < 0.3:
            requests.append({"user_id": uid, "role": "mentor", "current_role": "mentor",
                             "status": "open", "neighbourhood_id": rng.randint(1, 12),
                             "needs": [], "availability": [], "preferred_contact": "phone",
                             "created_at": now, "updated_at": now})
        elif not newcomer and dice < 0.4:
            start = add_months(today, -rng.randint(0, 5))
            status = "approved" if dice < 0.3 else "submitted"
            applications.append({
                "id": uid, "user_id": uid, "role": "language_buddy", "status": status,
                "open_role": None if status == "approved" else "language_buddy",
                "motivation": "x", "neighbourhood_id": rng.randint(1, 12), "availability": [],
                "start_date": start, "pledge_end_date": add_months(start, 6),
                "submitted_at": now, "updated_at": now})
            if status == "approved":
                commitments.append({
                    "user_id": uid, "role": "language_buddy", "current_role": "language_buddy",
                    "application_id": uid, "status": "active", "start_date": start,
                    "end_date": add_months(start, 6), "min_months": 6, "created_at": now})
    for model, rows in ((User, users), (UserRole, roles), (Application, applications),
                        (Commitment, commitments), (BuddyRequest, requests)):
        for chunk in range(0, len(rows), 10_000):
            db.session.execute(insert(model), rows[chunk:chunk + 10_000])
    busy = _busy_volunteer(commitments[0], requests, today, now)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return busy


def _busy_volunteer(commitment_row, requests, today, now, size=300):
    """The first volunteer gets a long history: the person page must not grow with it."""
    uid = commitment_row["user_id"]
    commitment_id = db.session.scalar(db.select(Commitment.id).where(Commitment.user_id == uid))
    request_ids = db.session.scalars(db.select(BuddyRequest.id).limit(40)).all()
    newcomer_of = dict(db.session.execute(
        db.select(BuddyRequest.id, BuddyRequest.user_id).where(BuddyRequest.id.in_(request_ids))
    ).all())
    db.session.execute(insert(Match), [
        {"request_id": rid, "commitment_id": commitment_id, "volunteer_id": uid,
         "newcomer_id": newcomer_of[rid], "status": "declined", "created_at": now}
        for rid in request_ids])
    partner = Partner(name="Musée")
    perk = Perk(partner=partner, titles={"en": "Free entry"}, stock=1000,
                valid_from=today, valid_until=today + timedelta(days=60))
    db.session.add_all([partner, perk])
    db.session.flush()
    db.session.execute(insert(HourEntry), [
        {"user_id": uid, "commitment_id": commitment_id, "day": today - timedelta(days=n % 150),
         "minutes": 60, "activity": "other", "status": "approved" if n % 4 else "pending",
         "token": f"t{n}", "created_at": now, "updated_at": now} for n in range(size)])
    db.session.execute(insert(Pass), [
        {"perk_id": perk.id, "user_id": uid, "code": f"code{n}", "short_code": f"S{n:09d}",
         "status": "issued", "issued_at": now, "expires_on": today + timedelta(days=30)}
        for n in range(size // 10)])
    db.session.execute(insert(SentEmail), [
        {"recipient_id": uid, "template": "x", "subject": f"Message {n}",
         "sent_at": now - timedelta(hours=n)} for n in range(size)])
    db.session.execute(insert(AuditEvent), [
        {"actor_id": 1, "action": "commitment.checked", "record_type": "Commitment",
         "record_id": commitment_id, "at": now - timedelta(hours=n)} for n in range(size)])
    return uid


def measure(app, client, path, runs):
    """Wall-clock and CPU times (ms) of ``runs`` requests, and the queries of the last.
    On a busy machine the CPU time is the fairer figure: it leaves out waiting for a core
    (SQLite runs in this process, so its work is counted)."""
    counter = {"n": 0}

    def count(*_args):
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
    client.get(path)
    wall, cpu = [], []
    for _ in range(runs):
        counter["n"] = 0
        event.listen(engine, "before_cursor_execute", count)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.status_code
    return wall, cpu, counter["n"]


def p95(timings):
    return statistics.quantiles(timings, n=20)[-1]


def summary(wall, cpu):
    return (f"median {statistics.median(wall):.1f} ms (CPU {statistics.median(cpu):.1f} ms), "
            f"p95 {p95(wall):.1f} ms (CPU {p95(cpu):.1f} ms)")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            started = time.perf_counter()
            busy = build(args.people)
            print(f"built {args.people} people in {time.perf_counter() - started:.1f} s "
                  f"({db.engine.dialect.name})")
        client = app.test_client()
        client.post("/login", data={"email": "coordinator@example.org", "password": PASSWORD})
        every_wall, every_cpu = [], []
        for path in SEARCHES:
            wall, cpu, queries = measure(app, client, path, args.runs)
            every_wall += wall
            every_cpu += cpu
            print(f"{path}: {summary(wall, cpu)}, {queries} SQL queries")
        print(f"search overall: {summary(every_wall, every_cpu)}")
        wall, cpu, queries = measure(app, client, f"/coordinate/people/{busy}", args.runs)
        print(f"person page (300 hours, 40 matches, 30 passes, 300 emails, 300 audit "
              f"entries): {summary(wall, cpu)}, {queries} SQL queries")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
