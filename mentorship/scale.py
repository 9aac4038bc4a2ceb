"""Volume for the benchmarks: ``flask seed-demo --scale N`` (N may be a fraction).

After the normal demo, adds once, per unit of scale, five years of a busy programme:
5,000 volunteers (an approved application behind each commitment; about two thirds
completed or ended early, a third active today, a few waiting for training; a few hundred
applications waiting in the queue), 3,000 newcomers (most with a buddy request), 2,500
matches (active, ended, proposed) and 1,000 declined proposals, 100,000 hour entries (about
5 % pending; one "busiest" volunteer, ``scale0@example.org``, logged about 2,000 of them),
training completions, certificates and cultural passes.

Rows go in with SQLAlchemy Core inserts in batches (no ORM object per row), with explicit
ids so that the rows can point at each other; every account shares the demo accounts' password hash
(the demo password). A seeded ``random.Random`` makes the data the same on every run.
The marker account ``scale0@example.org`` makes it idempotent: once it exists, nothing is
added, whatever the scale.
"""

import random
import time as clock
from bisect import bisect_right
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from .accounts.models import LanguageSkill, User, UserRole, find_user_by_email
from .checkins.models import BASELINE, END, THREE_MONTHS, Checkin
from .checkins.models import NEWCOMER as CHECKIN_NEWCOMER
from .checkins.models import VOLUNTEER as CHECKIN_VOLUNTEER
from .checkins.services import ANSWER_DAYS, BASELINE_DAYS
from .database import utcnow
from .dates import add_months, programme_today, utc_to_local
from .extensions import db
from .hours.models import APPROVED, PENDING, REJECTED, HourEntry
from .matching.models import BuddyRequest, Match
from .privacy.models import Consent
from .programme.models import Neighbourhood
from .programme.services import get_settings
from .recognition.models import Partner, PartnerStaff, Pass, Perk, pass_code, short_code
from .reports.demo import FIRST, LAST, NEWCOMER_FIRST, NEWCOMER_LAST
from .search import person_search_text
from .training.models import (
    ONLINE,
    Certificate,
    Enrollment,
    ModuleCompletion,
    ModuleRole,
    QuizAttempt,
    TrainingModule,
    TrainingSession,
    new_code,
)
from .volunteering.models import Application, Commitment

MARKER = "scale0@example.org"  # also the busiest volunteer
BUSIEST = MARKER
# Per unit of scale.
UNIT = {"volunteers": 5000, "newcomers": 3000, "matches": 2500, "declines": 1000,
        "hours": 100_000, "waiting_applications": 300, "open_requests": 300}
BUSIEST_ENTRIES = 2000
BATCH = 5000
YEARS = 5
ROLES = ("mentor", "language_buddy", "housing_helper")
CAPACITY = {"mentor": 2, "language_buddy": 3, "housing_helper": 2}
MATCH_ACTIVITY = {"mentor": "meeting", "language_buddy": "language_session",
                  "housing_helper": "housing_help"}
NEEDS = {"mentor": ("procedures", "customs", "meeting_people", "finding_work",
                    "school_childcare"),
         "language_buddy": ("language_practice", "meeting_people"),
         "housing_helper": ("finding_housing", "tenancy_paperwork")}
SLOTS = ("mon-evening", "tue-evening", "wed-afternoon", "wed-evening", "thu-evening",
         "fri-evening", "sat-morning", "sat-afternoon", "sun-afternoon")
MOTIVATIONS = (
    "I arrived in this city myself years ago and remember how lost I felt.",
    "J'ai du temps le soir et j'aimerais aider des personnes arrivées récemment.",
    "I love languages and would enjoy practising French with someone new.",
    "Je travaille dans le logement social et je connais bien les démarches.",
)
VOLUNTEER_EXTRA = ("en", "es", "de", "ar", "uk", "ru", "it", "pt")
# A newcomer's first language and the interface language they read.
NEWCOMER_LANGUAGES = (("ar", "ar"), ("uk", "uk"), ("fa", "en"), ("ps", "en"), ("ti", "en"),
                      ("ru", "uk"), ("en", "en"), ("tr", "en"), ("so", "en"), ("es", "fr"))


def _counts(scale):
    return {name: max(1, round(per_unit * scale)) for name, per_unit in UNIT.items()}


def _at(day, hour=10, minute=0):
    return datetime.combine(day, time(hour, minute))


def _next_id(model):
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(model, rows):
    # The table, not the class: the ORM's bulk insert would split the rows into one
    # statement per pattern of None values (thousands, for the hour entries).
    statement = insert(model.__table__)
    if db.engine.dialect.name == "postgresql":
        # With RETURNING, SQLAlchemy sends pages of rows as multi-row INSERTs
        # ("insertmanyvalues"), much faster than psycopg's executemany row by row.
        statement = statement.returning(model.__table__.c.id)
    for start in range(0, len(rows), BATCH):
        db.session.execute(statement, rows[start:start + BATCH])


def _fix_sequences(models):
    """On PostgreSQL, explicit ids leave the sequences behind: move them past the rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


class _Scale:
    def __init__(self, scale, today, now):
        self.rng = random.Random(17)  # nosec B311  (repeatable demo data, not secrets)
        self.n = _counts(scale)
        self.today, self.now = today, now
        self.first_day = add_months(today, -12 * YEARS)
        self.coordinator = find_user_by_email("coordinator@example.org")
        # The demo's own password (the demo runs first): one hash for every account.
        self.password_hash = self.coordinator.password_hash
        self.neighbourhoods = list(db.session.scalars(
            select(Neighbourhood.id).order_by(Neighbourhood.position, Neighbourhood.id)))
        self.programme_name = get_settings().name
        self.rows, self.user_rows = {}, {}
        self.next_user = _next_id(User)

    def add(self, model, row):
        self.rows.setdefault(model, []).append(row)

    # People ---------------------------------------------------------------------------

    def user(self, uid, email, name, locale, created_at, role, phone=None):
        neighbourhood = self.rng.choice(self.neighbourhoods) if self.neighbourhoods else None
        row = {"id": uid, "email": email, "name": name, "password_hash": self.password_hash,
               "locale": locale, "phone": phone, "neighbourhood_id": neighbourhood,
               "optional_emails": True, "is_enabled": True, "created_at": created_at,
               "search_text": person_search_text(name, email, phone)}
        self.user_rows[uid] = row
        self.add(User, row)
        self.add(UserRole, {"user_id": uid, "role": role, "granted_at": created_at})
        return neighbourhood

    def skill(self, uid, language, level):
        self.add(LanguageSkill, {"user_id": uid, "language": language, "level": level})

    def phone(self):
        rng = self.rng
        if rng.random() > 0.6:
            return None
        return "+33 6 " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))

    # Volunteers, applications, commitments ---------------------------------------------

    def volunteers(self):
        rng, today, now = self.rng, self.today, self.now
        uid, app_id, commitment_id = self.next_user, _next_id(Application), _next_id(Commitment)
        self.commitments = []  # dicts, with "until": the last day served (for hours)
        for index in range(self.n["volunteers"]):
            role = ROLES[index % 3]
            draw = rng.random()
            if index == 0:  # the busiest volunteer: a long pledge, 30 months served so far
                status, start = "active", add_months(today, -30)
                end = add_months(start, 36)
            elif draw < 0.02:
                status, start = "awaiting_training", today + timedelta(days=rng.randint(3, 40))
                end = add_months(start, 6)
            elif draw < 0.34:
                months = 12 if rng.random() < 0.2 else 6
                status = "active"
                start = today - timedelta(days=rng.randint(2, 30 * months - 8))
                end = add_months(start, months)
            else:
                status = "completed" if draw < 0.88 else "ended_early"
                start = self.first_day + timedelta(days=rng.randint(0, 365 * YEARS - 190))
                end = add_months(start, 6)
            ended_on = completed_on = end_reason = None
            if status == "completed":
                completed_on = end
            elif status == "ended_early":
                ended_on = start + timedelta(days=rng.randint(30, 150))
                end_reason = rng.choice(("moved_away", "lack_of_time", "personal", "other"))
            submitted = min(_at(start) - timedelta(days=rng.randint(10, 40)),
                            now - timedelta(days=rng.randint(2, 9)))
            decided = submitted + timedelta(days=rng.randint(1, 6))
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            email = f"scale{index}@example.org"
            neighbourhood = self.user(uid, email, name, "fr" if rng.random() < 0.85 else "en",
                                      submitted - timedelta(days=1), "resident", self.phone())
            self.skill(uid, "fr", "native" if rng.random() < 0.9 else "C1")
            for language in rng.sample(VOLUNTEER_EXTRA, rng.choice((0, 1, 1, 2))):
                self.skill(uid, language, rng.choice(("B1", "B2", "C1", "C2", "native")))
            availability = sorted(rng.sample(SLOTS, rng.randint(1, 3)))
            self.add(Application, {
                "id": app_id, "user_id": uid, "role": role, "status": "approved",
                "open_role": None, "motivation": rng.choice(MOTIVATIONS),
                "neighbourhood_id": neighbourhood, "availability": availability,
                "start_date": start, "pledge_end_date": end, "submitted_at": submitted,
                "updated_at": decided, "decided_at": decided,
                "decided_by_id": self.coordinator.id, "decision_message": None})
            current = status in ("active", "awaiting_training")
            commitment = {
                "id": commitment_id, "user_id": uid, "role": role, "application_id": app_id,
                "status": status, "current_role": role if current else None,
                "start_date": start, "end_date": end, "min_months": 6, "created_at": decided,
                "activated_at": None if status == "awaiting_training" else _at(start, 9),
                "completed_on": completed_on, "ended_on": ended_on, "end_reason": end_reason}
            self.add(Commitment, commitment)
            self.commitments.append(commitment | {
                "until": min(today, ended_on or end), "name": name})
            uid, app_id, commitment_id = uid + 1, app_id + 1, commitment_id + 1
        self.next_user = uid
        self._more_applications(app_id)

    def _more_applications(self, app_id):
        """Residents who served once apply again: the queue, and some decided."""
        rng, now, today = self.rng, self.now, self.today
        served = [c for c in self.commitments if c["status"] in ("completed", "ended_early")]
        rng.shuffle(served)
        waiting = self.n["waiting_applications"]
        decided = waiting // 2
        for number, commitment in enumerate(served[:waiting + decided]):
            role = rng.choice([r for r in ROLES if r != commitment["role"]])
            if number < waiting:
                status = "info_requested" if rng.random() < 0.2 else "submitted"
                submitted = now - timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 20))
            else:
                status = "rejected" if rng.random() < 0.6 else "withdrawn"
                submitted = _at(commitment["until"]) + timedelta(days=rng.randint(10, 60))
                if submitted > now - timedelta(days=40):
                    submitted = now - timedelta(days=rng.randint(40, 80))
            start = (today if number < waiting else submitted.date()) \
                + timedelta(days=rng.randint(7, 60))
            answered = status != "submitted"
            self.add(Application, {
                "id": app_id, "user_id": commitment["user_id"], "role": role,
                "status": status, "open_role": None if status in ("rejected", "withdrawn")
                else role, "motivation": rng.choice(MOTIVATIONS), "neighbourhood_id": None,
                "availability": sorted(rng.sample(SLOTS, 2)), "start_date": start,
                "pledge_end_date": add_months(start, 6), "submitted_at": submitted,
                "updated_at": submitted,
                "decided_at": submitted + timedelta(hours=20) if answered else None,
                "decided_by_id": self.coordinator.id
                if status in ("rejected", "info_requested") else None,
                "decision_message": {
                    "info_requested": "Could you tell us which evenings suit you best?",
                    "rejected": "We have enough volunteers for this role in your area for now.",
                }.get(status)})
            app_id += 1

    # Newcomers, requests, matches, declines ---------------------------------------------

    def newcomers(self):
        rng = self.rng
        uid = self.next_user
        self.newcomer_ids = []
        for index in range(self.n["newcomers"]):
            native, locale = NEWCOMER_LANGUAGES[index % len(NEWCOMER_LANGUAGES)]
            name = f"{rng.choice(NEWCOMER_FIRST)} {rng.choice(NEWCOMER_LAST)}"
            email = f"scale-newcomer{index}@example.org"
            created = _at(self.first_day) + timedelta(days=rng.randint(0, 365 * YEARS - 1))
            neighbourhood = self.user(uid, email, name, locale, created, "newcomer",
                                      self.phone())
            self.skill(uid, native, "native")
            if native != "fr" and rng.random() < 0.8:
                self.skill(uid, "fr", rng.choice(("A1", "A1", "A2", "B1")))
            if native != "en" and rng.random() < 0.3:
                self.skill(uid, "en", rng.choice(("A2", "B1", "B2")))
            self.newcomer_ids.append((uid, neighbourhood, created))
            uid += 1
        self.next_user = uid

    def matches(self):
        rng, today, now = self.rng, self.today, self.now
        request_id, match_id = _next_id(BuddyRequest), _next_id(Match)
        by_role = {role: [c for c in self.commitments if c["role"] == role] for role in ROLES}
        live = {role: [c for c in by_role[role] if c["status"] == "active"] for role in ROLES}
        served = {role: [c for c in by_role[role] if c["status"] in ("completed", "ended_early")]
                  for role in ROLES}
        for pool in list(live.values()) + list(served.values()):
            rng.shuffle(pool)
        busiest = self.commitments[0]
        live["mentor"].remove(busiest)
        live["mentor"].insert(0, busiest)
        places = {c["id"]: CAPACITY[c["role"]] for c in self.commitments}
        newcomers = iter(self.newcomer_ids)
        total = self.n["matches"]
        active, proposed = round(total * 0.36), round(total * 0.06)
        self.match_rows, self.requests = [], []
        cursor = {role: 0 for role in ROLES}

        def next_live(role):
            pool = live[role]
            for _ in range(len(pool)):
                commitment = pool[cursor[role] % len(pool)]
                cursor[role] += 1
                if places[commitment["id"]] > 0 and commitment["until"] > commitment[
                        "start_date"]:
                    places[commitment["id"]] -= 1
                    return commitment
            return None

        def request(role, status, created, newcomer, matched=None, closed=None):
            nonlocal request_id
            uid, neighbourhood, _created = newcomer
            self.arrived(uid, created)
            row = {"id": request_id, "user_id": uid, "role": role,
                   "current_role": role if status in ("open", "matched") else None,
                   "status": status,
                   "target_language": "fr" if role == "language_buddy" else None,
                   "needs": rng.sample(NEEDS[role], min(2, len(NEEDS[role]))), "note": None,
                   "neighbourhood_id": neighbourhood,
                   "availability": sorted(rng.sample(SLOTS, rng.randint(1, 3))),
                   "preferred_contact": rng.choice(("email", "phone", "email", "office")),
                   "created_at": created, "updated_at": closed or matched or created,
                   "matched_at": matched, "closed_at": closed}
            self.add(BuddyRequest, row)
            self.requests.append(row)
            request_id += 1
            return row

        def match(req, commitment, status, created, activated=None, ended=None,
                  end_reason=None):
            nonlocal match_id
            row = {"id": match_id, "request_id": req["id"], "commitment_id": commitment["id"],
                   "volunteer_id": commitment["user_id"], "newcomer_id": req["user_id"],
                   "status": status, "proposed_by_id": self.coordinator.id,
                   "created_at": created, "volunteer_accepted_at": activated,
                   "newcomer_accepted_at": activated, "activated_at": activated,
                   "ended_at": ended, "end_reason": end_reason, "declined_by": None,
                   "decline_reason": None}
            self.add(Match, row)
            self.match_rows.append(row)
            match_id += 1
            return row

        def newcomer_before(_moment):
            return next(newcomers, None)

        # Active matches, then proposals, on active commitments with a free place.
        for number in range(active + proposed):
            commitment = next_live(ROLES[number % 3])
            if commitment is None:
                continue
            started = _at(commitment["start_date"], 9)
            if number < active:
                activated = started + (now - started) * rng.random()
                activated = min(activated, now - timedelta(hours=2))
                created = activated - timedelta(days=rng.randint(1, 6))
            else:
                created = now - timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 9))
                activated = None
            newcomer = newcomer_before(created)
            if newcomer is None:
                break
            asked = created - timedelta(days=rng.randint(2, 30))
            status = "matched" if activated else "open"
            req = request(commitment["role"], status, asked, newcomer, matched=activated)
            row = match(req, commitment, "active" if activated else "proposed", created,
                        activated)
            if activated is None and rng.random() < 0.5:
                row["volunteer_accepted_at"] = created + timedelta(hours=rng.randint(1, 30))
                if row["volunteer_accepted_at"] > now:
                    row["volunteer_accepted_at"] = None

        # Ended matches: most on served commitments, some on active ones.
        ended_total = total - active - proposed
        ends = 0
        for busy in range(4):  # the busiest volunteer accompanied others before
            self._ended(busiest, newcomer_before, request, match, slot=busy)
            ends += 1
        number = 0
        while ends < ended_total:
            role = ROLES[number % 3]
            number += 1
            if rng.random() < 0.15:
                pool = [c for c in live[role][:200] if (today - c["start_date"]).days > 60]
            else:
                pool = served[role]
            if not pool:
                pool = served[role] or live[role]
            if not pool:
                break
            if self._ended(rng.choice(pool), newcomer_before, request, match) is None:
                break
            ends += 1

        # Requests still waiting (no proposal yet), then cancelled ones.
        for _ in range(self.n["open_requests"]):
            created = now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 20))
            newcomer = newcomer_before(created)
            if newcomer is None:
                break
            request(rng.choice(ROLES), "open", created, newcomer)
        for newcomer in newcomers:
            if rng.random() < 0.5:
                created = newcomer[2] + timedelta(days=rng.randint(1, 30))
                created = min(created, now - timedelta(days=3))
                request(rng.choice(ROLES), "cancelled", created, newcomer,
                        closed=created + timedelta(days=2))
        self._declines(by_role, match)

    def arrived(self, uid, asked):
        """A newcomer's account is older than their first request."""
        row = self.user_rows[uid]
        if row["created_at"] >= asked:
            row["created_at"] = asked - timedelta(days=self.rng.randint(1, 20))

    def _ended(self, commitment, newcomer_before, request, match, slot=0):
        rng = self.rng
        start = _at(commitment["start_date"], 9) + timedelta(days=slot * 150)
        until = _at(commitment["until"], 18)
        last = min(until, self.now - timedelta(days=1))
        if last - start < timedelta(days=8):
            start = last - timedelta(days=8)
        activated = start + timedelta(days=rng.randint(3, max(3, min(30, (last - start).days
                                                                     - 4))))
        ended = min(last, activated + timedelta(days=rng.randint(60, 180)))
        if commitment["status"] == "ended_early" and ended >= until - timedelta(days=1):
            status = "ended_early"
            reason = commitment["end_reason"] if commitment["end_reason"] in (
                "moved_away", "lack_of_time") else "other"
        elif rng.random() < 0.85:
            status, reason = "completed", "needs_met"
        else:
            status, reason = "ended_early", rng.choice(("not_right_fit", "moved_away",
                                                        "lack_of_time"))
        created = activated - timedelta(days=rng.randint(1, 5))
        newcomer = newcomer_before(created)
        if newcomer is None:
            return None
        asked = min(created - timedelta(days=rng.randint(2, 30)), created - timedelta(hours=1))
        req = request(commitment["role"], "closed", asked, newcomer, matched=activated,
                      closed=ended)
        return match(req, commitment, status, created, activated, ended, reason)

    def _declines(self, by_role, match):
        """Proposals a volunteer or a newcomer declined, before the request found its match
        (or while it still waits), with another volunteer of the same role who was serving
        then."""
        rng, now = self.rng, self.now
        final = {m["request_id"]: m for m in self.match_rows}
        starts = {}
        for role, pool in by_role.items():
            pool = sorted((c for c in pool if c["activated_at"]), key=lambda c: c["start_date"])
            by_role[role] = pool
            starts[role] = [c["start_date"] for c in pool]
        candidates = [r for r in self.requests if r["status"] != "cancelled"]
        pairs = set()
        made, tries = 0, 0
        while made < self.n["declines"] and candidates and tries < self.n["declines"] * 20:
            tries += 1
            req = rng.choice(candidates)
            found = final.get(req["id"])
            latest = found["created_at"] if found else now
            if latest - req["created_at"] < timedelta(hours=2):
                continue
            moment = req["created_at"] + (latest - req["created_at"]) * rng.random()
            pool, days = by_role[req["role"]], starts[req["role"]]
            # A volunteer of that role who had started by then and was still serving.
            upto = bisect_right(days, moment.date())
            if not upto:
                continue
            commitment = pool[rng.randrange(max(0, upto - 400), upto)]
            if _at(commitment["until"], 18) < moment or (
                    found and found["commitment_id"] == commitment["id"]) or (
                    (req["id"], commitment["id"]) in pairs):
                continue
            pairs.add((req["id"], commitment["id"]))
            row = match(req, commitment, "declined", moment)
            side = "volunteer" if rng.random() < 0.6 else "newcomer"
            row["declined_by"] = side
            row["decline_reason"] = rng.choice(("no_time", "not_right_fit", "other"))
            if side == "newcomer" and rng.random() < 0.5:
                row["volunteer_accepted_at"] = moment + timedelta(hours=3)
            made += 1

    # Hours --------------------------------------------------------------------------------

    def hours(self):
        rng, today, now = self.rng, self.today, self.now
        coordinator = self.coordinator.id
        matches = {}
        for row in self.match_rows:
            if row["activated_at"] is not None:
                matches.setdefault(row["commitment_id"], []).append(row)
        served = [c for c in self.commitments if c["activated_at"] and c["until"]
                  >= c["start_date"]]
        busiest = self.commitments[0]
        total = self.n["hours"]
        busy = min(BUSIEST_ENTRIES, total // 20)
        rest = [c for c in served if c is not busiest]
        weights = [(c["until"] - c["start_date"]).days + 1 for c in rest]
        whole = sum(weights) or 1
        plan, given, running = [(busiest, busy)], 0, 0
        for commitment, weight in zip(rest, weights, strict=True):
            running += weight
            share = round(running * (total - busy) / whole) - given
            given += share
            plan.append((commitment, share))
        rows = []
        for commitment, count in plan:
            span = (commitment["until"] - commitment["start_date"]).days
            own = matches.get(commitment["id"], ())
            for _ in range(count):
                day = commitment["start_date"] + timedelta(days=rng.randint(0, span))
                found = None
                for candidate in own:
                    ended = candidate["ended_at"] or now
                    if candidate["activated_at"].date() <= day <= ended.date():
                        found = candidate
                        break
                if found is not None and rng.random() < 0.85:
                    activity = MATCH_ACTIVITY[commitment["role"]]
                    minutes, match_id = rng.choice((45, 60, 90, 120)), found["id"]
                else:
                    activity = rng.choice(("training", "event", "other"))
                    minutes, match_id = rng.choice((30, 60, 120)), None
                created = min(_at(day, 20) + timedelta(hours=rng.randint(0, 40)), now)
                age = (today - day).days
                status = PENDING if age < 21 else (REJECTED if rng.random() < 0.03
                                                   else APPROVED)
                decided = None if status == PENDING else min(
                    created + timedelta(days=rng.randint(1, 7)), now)
                rows.append({
                    "user_id": commitment["user_id"], "commitment_id": commitment["id"],
                    "match_id": match_id, "day": day, "minutes": minutes,
                    # bandit B105: "token" is the form's one-time token, none here.
                    "activity": activity, "note": None, "status": status,
                    "token": None,  # nosec B105
                    "created_at": created, "updated_at": decided or created,
                    "decided_at": decided,
                    "decided_by_id": None if decided is None else coordinator,
                    "decision_reason": "Entrée en double." if status == REJECTED else None})
        self.rows[HourEntry] = rows

    # Check-ins and consents ------------------------------------------------------------------

    def checkins(self):
        """The check-ins ``checkins.services.schedule`` keeps open today (the windows still
        running), so that the demo's own scheduling finds nothing more to add."""
        today = self.today
        for row in self.match_rows:
            if row["activated_at"] is None:
                continue
            start = utc_to_local(row["activated_at"]).date()
            windows = [(BASELINE, start, start + timedelta(days=BASELINE_DAYS))]
            three = add_months(start, 3)
            if row["status"] == "active" and three <= today:
                windows.append((THREE_MONTHS, three, three + timedelta(days=ANSWER_DAYS)))
            if row["status"] in ("completed", "ended_early"):
                ended = utc_to_local(row["ended_at"]).date()
                windows.append((END, ended, ended + timedelta(days=ANSWER_DAYS)))
            for moment, opens_on, due_on in windows:
                if due_on < today or (row["ended_at"] and moment != END):
                    continue
                for audience, person in ((CHECKIN_NEWCOMER, row["newcomer_id"]),
                                         (CHECKIN_VOLUNTEER, row["volunteer_id"])):
                    self.add(Checkin, {"match_id": row["id"], "person_id": person,
                                       "audience": audience, "moment": moment,
                                       "opens_on": opens_on, "due_on": due_on,
                                       "status": "open", "created_at": self.now})

    def consents(self):
        """Every scaled account agreed to the notice, as the demo's accounts did."""
        from .privacy.demo import DEMO_VERSION

        for uid, row in self.user_rows.items():
            self.add(Consent, {"user_id": uid, "version": DEMO_VERSION,
                               "accepted_at": row["created_at"]})

    # Training, certificates, passes ---------------------------------------------------------

    def training(self):
        rng = self.rng
        modules = db.session.execute(
            select(TrainingModule.id, TrainingModule.title, TrainingModule.kind,
                   ModuleRole.role)
            .join(ModuleRole, ModuleRole.module_id == TrainingModule.id)
            .where(ModuleRole.required.is_(True))).all()
        required = {role: [m for m in modules if m.role == role] for role in ROLES}
        session_id = _next_id(TrainingSession)
        sessions = {}  # (module id, Tuesday) -> row
        for commitment in self.commitments:
            if commitment["activated_at"] is None:
                continue
            uid, done = commitment["user_id"], []
            for module in required[commitment["role"]]:
                day = commitment["start_date"] - timedelta(days=rng.randint(3, 25))
                if module.kind == ONLINE:
                    self.add(QuizAttempt, {"user_id": uid, "module_id": module.id,
                                           "score": rng.choice((80, 90, 100)), "passed": True,
                                           "created_at": _at(day, 19)})
                    via = "quiz"
                else:
                    day -= timedelta(days=day.weekday() - 1)  # Tuesday sessions
                    session = sessions.get((module.id, day))
                    if session is None:
                        session = sessions[(module.id, day)] = {
                            "id": session_id, "module_id": module.id,
                            "starts_at": _at(day, 17), "ends_at": _at(day, 19),
                            "place": "Maison des associations, salle 2", "video_link": None,
                            "capacity": 12, "created_at": _at(day - timedelta(days=30)),
                            "sequence": 0}
                        session_id += 1
                    session["capacity"] = max(session["capacity"], session.get("taken", 0) + 1)
                    session["taken"] = session.get("taken", 0) + 1
                    self.add(Enrollment, {"session_id": session["id"], "user_id": uid,
                                          "status": "attended",
                                          "queued_at": _at(day - timedelta(days=10)),
                                          "updated_at": _at(day, 19)})
                    via = "session"
                self.add(ModuleCompletion, {"user_id": uid, "module_id": module.id,
                                            "completed_on": day, "via": via})
                done.append({"title": module.title, "completed_on": day.isoformat()})
            issued = max((d["completed_on"] for d in done), default=None)
            self.add(Certificate, {
                "code": new_code(), "user_id": uid, "role": commitment["role"],
                "holder_name": commitment["name"], "programme_name": self.programme_name,
                "modules": done, "issued_on": datetime.fromisoformat(issued).date()
                if issued else commitment["start_date"], "revoked_at": None})
        self.rows[TrainingSession] = [
            {key: value for key, value in row.items() if key != "taken"}
            for row in sessions.values()]

    def passes(self):
        rng, today, now = self.rng, self.today, self.now
        partner = db.session.scalar(select(Partner).order_by(Partner.id).limit(1))
        if partner is None:
            return
        staff = db.session.scalar(select(PartnerStaff.user_id)
                                  .where(PartnerStaff.partner_id == partner.id).limit(1))
        chosen = [c for c in self.commitments if c["activated_at"] and rng.random() < 0.2]
        perk = Perk(partner_id=partner.id, titles={"fr": "Entrée libre au musée",
                                                   "en": "Free museum entry"},
                    descriptions={"fr": "Une entrée gratuite, une fois.",
                                  "en": "One free entry."},
                    kind="museum", stock=len(chosen) + 100, claimed=len(chosen),
                    per_volunteer=1, valid_from=self.first_day,
                    valid_until=today + timedelta(days=90), created_at=_at(self.first_day))
        db.session.add(perk)
        db.session.flush()
        for commitment in chosen:
            span = max((commitment["until"] - commitment["start_date"]).days, 0)
            issued = _at(commitment["start_date"] + timedelta(days=rng.randint(0, span)), 12)
            issued = min(issued, now - timedelta(hours=1))
            expires = issued.date() + timedelta(days=60)
            redeemed = None
            if rng.random() < 0.6:
                redeemed = min(issued + timedelta(days=rng.randint(1, 50), hours=3), now)
            self.add(Pass, {"perk_id": perk.id, "user_id": commitment["user_id"],
                            "code": pass_code(), "short_code": short_code(),
                            "status": "redeemed" if redeemed else "issued",
                            "issued_at": issued, "expires_on": expires,
                            "redeemed_at": redeemed,
                            "redeemed_by_id": staff if redeemed else None})


ORDER = (User, UserRole, LanguageSkill, Application, Commitment, BuddyRequest, Match,
         HourEntry, TrainingSession, Enrollment, ModuleCompletion, QuizAttempt, Certificate,
         Pass, Checkin, Consent)
WITH_IDS = (User, Application, Commitment, BuddyRequest, Match, TrainingSession)


def seed_scale(scale, today=None):
    """Add ``scale`` units of volume once; returns {table: rows added} (empty if the
    volume is already there or ``scale`` is not positive)."""
    if scale <= 0 or db.session.scalar(select(User.id).where(User.email == MARKER)):
        return {}
    today = today or programme_today()
    builder = _Scale(scale, today, utcnow())
    builder.volunteers()
    builder.newcomers()
    builder.matches()
    builder.hours()
    builder.training()
    builder.passes()
    builder.checkins()
    builder.consents()
    added = {}
    for model in ORDER:
        rows = builder.rows.get(model, [])
        _insert(model, rows)
        added[model.__tablename__] = len(rows)
    _fix_sequences(WITH_IDS)
    db.session.flush()
    db.session.execute(text("ANALYZE"))
    return added


def timed_seed_scale(scale):
    started = clock.perf_counter()
    added = seed_scale(scale)
    return added, clock.perf_counter() - started
