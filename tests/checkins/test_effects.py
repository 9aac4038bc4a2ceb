"""Effects counted by hand: 12 newcomers with paired check-ins, made through the services.

Questions, in EFFECT_KEYS order: language, procedures, isolation, welcome, housing, work.
None is a skipped answer. Start → three months (I improved, S same, W worse):

  n   language procedures isolation welcome  housing    work (no 0, looking 1, yes 2)
  1   2→4 I    2→3 I      2→3 I     2→3 I    3→4 I      0→1 I
  2   2→3 I    3→4 I      3→4 I     2→4 I    3→5 I      0→1 I
  3   1→3 I    1→2 I      1→2 I     1→2 I    2→3 I      0→2 I
  4   3→4 I    3→5 I      3→5 I     3→4 I    3→3 S      1→2 I
  5   3→5 I    2→4 I      3→3 S     3→5 I    4→4 S      1→2 I
  6   4→5 I    3→3 S      3→3 S     4→5 I    2→2 S      0→0 S
  7   2→5 I    3→3 S      4→4 S     3→3 S    5→5 S      1→1 S
  8   3→3 S    4→4 S      4→4 S     4→4 S    3→3 S      1→1 S
  9   4→4 S    4→4 S      2→2 S     4→3 W    4→3 W      2→2 S
  10  5→5 S    5→5 S      5→5 S     5→2 W    3→2 W      2→2 S
  11  4→2 W    2→2 S      3→3 S     3→skip   5→1 W      2→1 W
  12  3→1 W    1→1 S      1→1 S     2→skip   skip→4     1→0 W

n1–n3 also answer at the end of their match (start → end, 3 newcomers: all suppressed):
  n1 end: 5 3 2 3 4 2     n2 end: 2 3 3 2 3 0     n3 end: skip 1 2 1 1 2
Not counted: n13 answered only the start (three-month check-in left open); n14's
three-month answer was given last year. n1 has another match, made before but started
after the one above: its answers (all worse) are not counted. n12's three-month answer
was given at 00:30 on 1 January, local time (still 31 December in UTC): it belongs to this
year.
"""

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import update

from mentorship.accounts.models import LanguageSkill, User, UserRole
from mentorship.checkins import services
from mentorship.checkins.effects import count_effects
from mentorship.checkins.models import Checkin, CheckinAnswer
from mentorship.database import utcnow
from mentorship.dates import add_months, local_to_utc, programme_today
from mentorship.extensions import db
from mentorship.matching import services as matching
from mentorship.matching.models import Match
from mentorship.reports import figures
from mentorship.reports.definitions import HIDDEN, SMALL
from mentorship.volunteering.models import APPROVED, Application, Commitment

KEYS = ("language", "procedures", "isolation", "welcome", "housing", "work")
_ = None  # a skipped answer
START = {1: (2, 2, 2, 2, 3, 0), 2: (2, 3, 3, 2, 3, 0), 3: (1, 1, 1, 1, 2, 0),
         4: (3, 3, 3, 3, 3, 1), 5: (3, 2, 3, 3, 4, 1), 6: (4, 3, 3, 4, 2, 0),
         7: (2, 3, 4, 3, 5, 1), 8: (3, 4, 4, 4, 3, 1), 9: (4, 4, 2, 4, 4, 2),
         10: (5, 5, 5, 5, 3, 2), 11: (4, 2, 3, 3, 5, 2), 12: (3, 1, 1, 2, _, 1),
         13: (3, 3, 3, 3, 3, 1), 14: (1, 1, 1, 1, 1, 0)}
THREE = {1: (4, 3, 3, 3, 4, 1), 2: (3, 4, 4, 4, 5, 1), 3: (3, 2, 2, 2, 3, 2),
         4: (4, 5, 5, 4, 3, 2), 5: (5, 4, 3, 5, 4, 2), 6: (5, 3, 3, 5, 2, 0),
         7: (5, 3, 4, 3, 5, 1), 8: (3, 4, 4, 4, 3, 1), 9: (4, 4, 2, 3, 3, 2),
         10: (5, 5, 5, 2, 2, 2), 11: (2, 2, 3, _, 1, 1), 12: (1, 1, 1, _, 4, 0),
         14: (5, 5, 5, 5, 5, 2)}
END = {1: (5, 3, 2, 3, 4, 2), 2: (2, 3, 3, 2, 3, 0), 3: (_, 1, 2, 1, 1, 2)}
# n1's second match (started later): worse everywhere, and never counted.
SECOND = ((5, 5, 5, 5, 5, 2), (1, 1, 1, 1, 1, 0))


def line(pairs, improved, same, worse, skipped=0):
    return {"pairs": pairs, "improved": improved, "same": same, "worse": worse,
            "skipped": skipped}


EXPECTED = {
    "three_months": {
        "language": line(12, 7, 3, 2), "procedures": line(12, 5, 7, 0),
        "isolation": line(12, 4, 8, 0), "welcome": line(10, 6, 2, 2, skipped=2),
        "housing": line(11, 3, 5, 3), "work": line(12, 5, 5, 2)},
    "end": {
        "language": line(2, 1, 1, 0, skipped=1), "procedures": line(3, 1, 2, 0),
        "isolation": line(3, 1, 2, 0), "welcome": line(3, 1, 2, 0),
        "housing": line(3, 1, 1, 1), "work": line(3, 2, 1, 0)},
}
S, H = SMALL, HIDDEN
PUBLISHED = {
    "three_months": {
        # 2 and 3 hidden: together 5, which 1 + 4, 2 + 3, 3 + 2 and 4 + 1 all give.
        "language": line(12, 7, S, S), "procedures": line(12, 5, 7, 0),
        # 4 alone would be 12 - 8 - 0: the 8 hides too.
        "isolation": line(12, S, H, 0), "welcome": line(10, 6, S, S, skipped=S),
        "housing": line(11, S, 5, S),
        # 2 alone would be 12 - 5 - 5: the first of the two 5s hides too.
        "work": line(12, H, 5, S),
    },
    "end": {
        "language": line(S, S, S, 0, skipped=S), "procedures": line(S, S, S, 0),
        "isolation": line(S, S, S, 0), "welcome": line(S, S, S, 0),
        "housing": line(S, S, S, S), "work": line(S, S, S, 0)},
}


def send(checkin_id, person, values):
    """Answer a check-in through the services: a value, or a skip for None."""
    questions = {q.key: q for q in services.questions_for("newcomer")}
    for key, value in zip(KEYS, values, strict=True):
        if value is None:
            services.answer(checkin_id, person, questions[key].id, skip=True)
        else:
            services.answer(checkin_id, person, questions[key].id, str(value))
    services.finish(checkin_id, person)
    db.session.commit()


def started(match_id, days_ago):
    """Move a match's start back, then open its three-month check-ins (the sweep would)."""
    db.session.execute(update(Match).where(Match.id == match_id).values(
        activated_at=utcnow() - timedelta(days=days_ago)))
    db.session.commit()
    services.schedule(db.session.get(Match, match_id))
    db.session.commit()


def checkin_of(match_id, moment="baseline"):
    """The newcomer's check-in of ``match_id`` at ``moment`` (inside an app context)."""
    return db.session.scalar(db.select(Checkin.id).where(
        Checkin.match_id == match_id, Checkin.audience == "newcomer",
        Checkin.moment == moment))


def answered_on(checkin_id, moment):
    db.session.execute(update(Checkin).where(Checkin.id == checkin_id)
                       .values(answered_at=moment))
    db.session.commit()


def person(role, name):
    """A user without a password (hashing dozens of them would only slow the tests)."""
    account = User(name=name, email=f"{name.replace(' ', '')}-{uuid4().hex}@example.org",
                   password_hash="!", locale="en", roles=[UserRole(role=role)],
                   languages=[LanguageSkill(language="fr", level="native" if role ==
                                            "resident" else "A2")])
    db.session.add(account)
    db.session.flush()
    return account


def buddy_match(coordinator, newcomer, place, role="mentor"):
    """A volunteer with an active commitment, a request from ``newcomer`` and an active
    match between them, made through the matching services; returns the match id."""
    volunteer = person("resident", f"Volunteer of {newcomer.name}")
    today = programme_today()
    end = add_months(today, 6)
    application = Application(
        user_id=volunteer.id, role=role, status=APPROVED, motivation="Hi",
        neighbourhood_id=place, availability=["tue-evening"], start_date=today,
        pledge_end_date=end)
    commitment = Commitment(user_id=volunteer.id, role=role, current_role=role,
                            application=application, status="active", start_date=today,
                            end_date=end, min_months=6)
    db.session.add_all([application, commitment])
    db.session.commit()
    request = matching.create_request(
        newcomer, role, languages=[("fr", "A2")],
        target_language="fr" if role == "language_buddy" else None, needs=[], note="",
        neighbourhood_id=place, availability=["tue-evening"], preferred_contact="phone")
    db.session.commit()
    match = matching.propose(coordinator, request.id, commitment.id, note="Chosen by hand")
    db.session.commit()
    for account in (volunteer, newcomer):
        matching.respond(account, match.id, True)
    db.session.commit()
    return match.id


def build_effects(app, places):
    """Build the check-ins of the module docstring; returns (year, {n: match id}).
    The later answers are dated this year (programme time) unless said otherwise."""
    matches = {}
    with app.app_context():
        year = programme_today().year
        this_year = local_to_utc(datetime(year, 1, 1, 12))
        new_year = local_to_utc(datetime(year, 1, 1, 0, 30))  # 31 December in UTC
        last_year = local_to_utc(datetime(year - 1, 6, 15, 12))
        coordinator = person("coordinator", "Coordinator")
        db.session.commit()
        for n in range(1, 15):
            newcomer = person("newcomer", f"Newcomer {n}")
            if n == 1:
                # Made first, started later (after the match below): never counted.
                extra = buddy_match(coordinator, newcomer, places[0])
                send(checkin_of(extra), newcomer, SECOND[0])
                started(extra, 95)
                later = checkin_of(extra, moment="three_months")
                send(later, newcomer, SECOND[1])
                answered_on(later, this_year)
            match_id = matches[n] = buddy_match(
                coordinator, newcomer, places[0], role="language_buddy" if n == 1 else "mentor")
            send(checkin_of(match_id), newcomer, START[n])
            started(match_id, 100)
            if n in THREE:
                later = checkin_of(match_id, moment="three_months")
                send(later, newcomer, THREE[n])
                answered_on(later, new_year if n == 12 else last_year if n == 14
                            else this_year)
            if n in END:
                matching.end_match(coordinator, match_id, "completed", "needs_met")
                db.session.commit()
                later = checkin_of(match_id, moment="end")
                send(later, newcomer, END[n])
                answered_on(later, this_year)
    return year, matches


@pytest.fixture
def effects_year(app, places):
    return build_effects(app, places)


def test_effects_match_the_hand_counts(app, effects_year):
    year, _matches = effects_year
    with app.app_context():
        assert count_effects(year) == EXPECTED


def test_small_groups_are_hidden_by_the_one_rule(app, effects_year):
    year, _matches = effects_year
    with app.app_context():
        assert figures.published_effects(year) == PUBLISHED
        assert figures.published(year)["effects"] == PUBLISHED


def test_an_answer_given_last_year_counts_in_last_year_only(app, effects_year):
    year, _matches = effects_year
    with app.app_context():
        last = count_effects(year - 1)
    # n14 alone: 1 → 5 everywhere, and work from no to yes.
    assert last["three_months"] == {key: line(1, 1, 0, 0) for key in KEYS}
    assert last["end"] == {key: line(0, 0, 0, 0) for key in KEYS}


def test_an_unanswered_later_checkin_makes_no_pair(app, effects_year):
    year, matches = effects_year
    with app.app_context():
        # n13's three-month check-in is open, not answered; answering it adds one pair.
        assert db.session.get(Checkin, checkin_of(matches[13], moment="three_months")) \
            .status == "open"
        before = count_effects(year)["three_months"]["language"]["pairs"]
        later = checkin_of(matches[13], moment="three_months")
        send(later, db.session.get(User, db.session.get(Match, matches[13]).newcomer_id),
             (3, 3, 3, 3, 3, 1))
        assert count_effects(year)["three_months"]["language"] == line(before + 1, 7, 4, 2)


def test_a_skipped_answer_is_never_a_value(app, effects_year):
    year, matches = effects_year
    with app.app_context():
        # A skipped answer keeps no value, even if one was stored before the skip.
        later = checkin_of(matches[11], moment="three_months")
        db.session.execute(update(CheckinAnswer).where(
            CheckinAnswer.checkin_id == later, CheckinAnswer.skipped.is_(True))
            .values(value=5))
        db.session.commit()
        welcome = count_effects(year)["three_months"]["welcome"]
    assert welcome == line(10, 6, 2, 2, skipped=2)


def test_effects_are_counted_in_one_query(app, effects_year):
    from tests.conftest import count_queries

    year, _matches = effects_year
    with app.app_context():
        count_effects(year)  # the programme's settings (time zone) are cached after this
        with count_queries(app) as counted:
            count_effects(year)
    assert counted.count <= 2
