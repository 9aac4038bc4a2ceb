"""Demo check-ins (each part created once).

``seed_past_checkins``: the history's matches (reports/demo.py) get the check-ins they
would have had, answered on their dates: most newcomers improve on the language, the
procedures and isolation, some stay, a few worsen; a few answers are skipped and a few
check-ins missed; the "very hard" answers, requests for support and second misses raised
flags that a coordinator resolved. seed_history calls it before it publishes last year's
report, so that the report's effects section counts them.

``seed_current_checkins``: the current matches' start check-ins. Tesfaye's (answered a
month ago) flagged the match with a "very hard" answer, not resolved yet; Élodie, his
volunteer, asked for support and a coordinator recorded what was done. Olena
(newcomer@example.org) and her new buddy have their start check-in waiting.
"""

import random
from datetime import datetime, time, timedelta

from ..accounts.models import User
from ..audit.services import record
from ..database import add_once, utcnow
from ..dates import add_months, local_to_utc, utc_to_local
from ..extensions import db
from ..matching.models import MISSED_CHECKINS, SUPPORT, VERY_HARD, Match, MatchFlag
from .models import (
    ANSWERED,
    BASELINE,
    END,
    MISSED,
    NEWCOMER,
    SCALE,
    TEXT,
    THREE_MONTHS,
    VERY_HARD_ANSWER,
    VOLUNTEER,
    YESNO,
    Checkin,
    CheckinAnswer,
    CheckinQuestionVersion,
)
from .services import ANSWER_DAYS, BASELINE_DAYS, ensure_questions, questions_for, schedule

HISTORY_VOLUNTEERS = "history%@example.org"  # reports/demo.py's volunteers

# Where newcomers start: the weight of each step (scale 1 very hard … 5 very good; work
# 0 no, 1 looking, 2 yes), and how often an answer improves or stays from one check-in to
# the next (the rest worsen).
START = {"language": (0.5, 6, 4, 1, 0), "procedures": (0.5, 5, 4, 1, 0),
         "isolation": (0.5, 5, 3, 2, 0), "welcome": (0, 2, 5, 3, 1),
         "housing": (0.3, 3, 4, 2, 1), "work": (6, 3, 1)}
CHANGE = {"language": (0.72, 0.2), "procedures": (0.7, 0.22), "isolation": (0.64, 0.26),
          "welcome": (0.45, 0.42), "housing": (0.38, 0.47), "work": (0.4, 0.55)}
GOING = (0.3, 2, 5, 10, 7)  # the volunteers' "how is the match going"
SKIPPED = 0.05  # a question left out
MISSED_SHARE = {NEWCOMER: 0.07, VOLUNTEER: 0.12}
ON_BEHALF = 0.1  # newcomers a coordinator helped to answer

HELP_TEXTS = {
    "uk": ("Допомога з документами для префектури.", "Розмовний клуб французькою.",
           "Знайти роботу за фахом."),
    "ar": ("مساعدة في ملف الإقامة.", "دروس في اللغة الفرنسية في المساء.", "أن أجد عملاً."),
    "en": ("Help finding a training course.", "Someone to practise French with at weekends.",
           "Help with the housing benefit forms."),
}
VOLUNTEER_NOTES = ("Nous nous voyons chaque semaine à la médiathèque.",
                   "Elle a trouvé une formation, bravo !",
                   "Difficile de trouver des créneaux en ce moment.",
                   "Nous avons fait ensemble le dossier de la CAF.")
RESOLUTIONS = {
    VERY_HARD: ("Appelé pour en parler ; rendez-vous pris avec l'assistante sociale.",
                "Orienté vers l'atelier de conversation du mardi.",
                "Rencontre à trois avec le bénévole ; un point dans un mois."),
    SUPPORT: ("Appelé le bénévole : conseils donnés et contact de la permanence juridique.",
              "Le bénévole rejoint le groupe d'échange du jeudi."),
    MISSED_CHECKINS: ("Appelé les deux : tout va bien, ils avaient oublié.",
                      "Message laissé ; la paire se voit toujours chaque semaine."),
}


def seed_past_checkins(today):
    """The history matches' check-ins, answers and resolved flags (once)."""
    matches = db.session.scalars(
        db.select(Match).join(User, User.id == Match.volunteer_id)
        .where(User.email.like(HISTORY_VOLUNTEERS), Match.activated_at.is_not(None))
        .order_by(Match.id)).all()
    if not matches or db.session.scalar(db.select(Checkin.id).where(
            Checkin.match_id.in_([m.id for m in matches])).limit(1)):
        return
    ensure_questions()
    questions = {audience: questions_for(audience) for audience in (NEWCOMER, VOLUNTEER)}
    _date_first_versions(min(m.activated_at for m in matches) - timedelta(days=30))
    staff = db.session.scalars(db.select(User).where(User.email.in_(
        ("coordinator@example.org", "admin@example.org"))).order_by(User.id)).all()
    # bandit B311: a seeded generator makes repeatable demo history, not secrets.
    rng = random.Random(1818)  # nosec B311
    for match in matches:
        _past_match(match, questions, staff, today, rng)
    db.session.flush()


def _date_first_versions(when):
    """The questions' first wording was there before the first answer."""
    db.session.execute(db.update(CheckinQuestionVersion).where(
        CheckinQuestionVersion.version == 1, CheckinQuestionVersion.created_at > when)
        .values(created_at=when))


def _moments(match):
    """(moment, opens_on, due_on) of the check-ins a past match had."""
    start = utc_to_local(match.activated_at).date()
    ended = utc_to_local(match.ended_at).date()
    found = [(BASELINE, start, start + timedelta(days=BASELINE_DAYS))]
    three = add_months(start, 3)
    if three < ended:
        found.append((THREE_MONTHS, three, three + timedelta(days=ANSWER_DAYS)))
    found.append((END, ended, ended + timedelta(days=ANSWER_DAYS)))
    return found


def _past_match(match, questions, staff, today, rng):
    newcomer = db.session.get(User, match.newcomer_id)
    values = {key: _pick(rng, weights) for key, weights in START.items()}
    missed = 0
    for moment, opens_on, due_on in _moments(match):
        if moment != BASELINE:
            values = {key: _changed(rng, key, value) for key, value in values.items()}
        for audience, person_id in ((NEWCOMER, match.newcomer_id),
                                    (VOLUNTEER, match.volunteer_id)):
            checkin = Checkin(match_id=match.id, person_id=person_id, audience=audience,
                              moment=moment, opens_on=opens_on, due_on=due_on,
                              created_at=local_to_utc(datetime.combine(opens_on, time(6))))
            db.session.add(checkin)
            if due_on < today and rng.random() < MISSED_SHARE[audience] * (
                    0.4 if moment == BASELINE else 1):
                checkin.status = MISSED
                db.session.flush()
                missed += 1
                if missed % 2 == 0:  # as flags.on_missed: every second miss of a match
                    raised = local_to_utc(datetime.combine(due_on + timedelta(days=1),
                                                           time(7)))
                    _flag(match, MISSED_CHECKINS, checkin, raised, staff, rng)
                continue
            day = min(opens_on + timedelta(days=rng.randint(0, 5)), today)
            when = min(local_to_utc(datetime.combine(day, time(rng.randint(9, 20),
                                                               rng.randint(0, 59)))),
                       utcnow() - timedelta(hours=1))
            by = match.newcomer_id if audience == NEWCOMER else match.volunteer_id
            if audience == NEWCOMER and rng.random() < ON_BEHALF:
                by = rng.choice(staff).id
            checkin.status, checkin.answered_at = ANSWERED, when
            checkin.answered_by_id, checkin.on_behalf = by, by != person_id
            given = values if audience == NEWCOMER else _volunteer_values(rng)
            if audience == NEWCOMER and rng.random() < 0.35:
                given = {**given, "help": rng.choice(HELP_TEXTS.get(newcomer.locale,
                                                                    HELP_TEXTS["en"]))}
            _answer(checkin, questions[audience], given, rng)
            for reason in _reasons(checkin, questions[audience]):
                _flag(match, reason, checkin, when + timedelta(minutes=2), staff, rng)


def _pick(rng, weights):
    steps = range(1, 6) if len(weights) == 5 else range(3)
    return rng.choices(list(steps), weights=weights)[0]


def _changed(rng, key, value):
    improves, stays = CHANGE[key]
    roll = rng.random()
    step = 0 if improves <= roll < improves + stays else (1 if roll < improves else -1)
    if step == 1 and key == "language" and rng.random() < 0.2:
        step = 2
    low, high = (0, 2) if key == "work" else (1, 5)
    return max(low, min(high, value + step))


def _volunteer_values(rng):
    values = {"going": _pick(rng, GOING), "support": int(rng.random() < 0.08)}
    if rng.random() < 0.25:
        values["note"] = rng.choice(VOLUNTEER_NOTES)
    return values


def _answer(checkin, questions, values, rng=None):
    """One answer per question: its value, its text, or skipped (never both)."""
    for question in questions:
        value = values.get(question.key)
        skipped = value is None or (rng is not None and question.kind != TEXT
                                    and rng.random() < SKIPPED)
        db.session.add(CheckinAnswer(
            checkin=checkin, question_id=question.id, question_version_id=question.current.id,
            value=None if skipped or question.kind == TEXT else value,
            text=value if question.kind == TEXT and not skipped else None, skipped=skipped,
            created_at=checkin.answered_at))
    db.session.flush()


def _reasons(checkin, questions):
    """What the answers flag (as flags.on_answered decides, read from the new rows)."""
    kinds = {question.id: (question.kind, question.key) for question in questions}
    reasons = []
    for row in checkin.answers:
        kind, key = kinds[row.question_id]
        if row.skipped or row.value is None:
            continue
        if kind == SCALE and row.value == VERY_HARD_ANSWER and VERY_HARD not in reasons:
            reasons.append(VERY_HARD)
        if kind == YESNO and key == "support" and checkin.audience == VOLUNTEER \
                and row.value == 1:
            reasons.append(SUPPORT)
    return reasons


def _flag(match, reason, checkin, raised, staff, rng=None, resolution=None):
    """A flag raised at ``raised``; resolved a few days later when ``rng`` is given."""
    flag = MatchFlag(match_id=match.id, reason=reason, checkin_id=checkin.id,
                     raised_at=raised)
    db.session.add(flag)
    db.session.flush()
    record(None, "match.flagged", match, reason=reason, checkin=checkin.id).at = raised
    if rng is None and resolution is None:
        return flag
    resolver = rng.choice(staff) if rng else staff[0]
    resolved = min(raised + timedelta(days=rng.randint(1, 5) if rng else 2, hours=3),
                   utcnow() - timedelta(minutes=30))
    resolution = resolution or rng.choice(RESOLUTIONS[reason])
    flag.resolved_at, flag.resolved_by_id, flag.resolution = resolved, resolver.id, resolution
    record(resolver, "match.flag_resolved", match, resolution, flag=flag.id,
           reason=reason).at = resolved
    return flag


# The current matches -----------------------------------------------------------------


TESFAYE = {"language": 2, "procedures": VERY_HARD_ANSWER, "isolation": 2, "welcome": 3,
           "housing": 2, "work": 0,
           "help": "Someone to come with me to the préfecture for my residence permit."}
ELODIE = {"going": 4, "support": 1,
          "note": "Il attend le renouvellement de son titre de séjour et s'inquiète."}
ELODIE_SUPPORT = ("Appelé Élodie : elle accompagnera Tesfaye à la préfecture ; je lui ai "
                  "envoyé la liste des pièces et le contact de la permanence juridique.")


def seed_current_checkins(people, today):
    """The start check-ins of the current matches: answered and flagged for Tesfaye and
    Élodie, waiting for Olena and her buddy (each once)."""
    from ..matching.demo import seed_newcomer_match

    ensure_questions()
    seed_newcomer_match(people)
    for match in db.session.scalars(db.select(Match).where(
            Match.status == "active", Match.activated_at.is_not(None))
            .order_by(Match.id)).all():
        schedule(match, today)
    tesfaye = people["tesfaye.alemu@example.org"]
    match = db.session.scalar(db.select(Match).where(
        Match.newcomer_id == tesfaye.id, Match.volunteer_id == people["mentor@example.org"].id,
        Match.status == "active"))
    if match is None:
        return
    staff = [people["coordinator@example.org"]]
    start = utc_to_local(match.activated_at).date()
    if start + timedelta(days=BASELINE_DAYS) >= today:
        return  # a demo seeded in the match's first week: its start check-ins are open
    for audience, values in ((NEWCOMER, TESFAYE), (VOLUNTEER, ELODIE)):
        # Answered in the first week (their window has passed: schedule leaves it).
        when = min(local_to_utc(datetime.combine(start + timedelta(days=2), time(18, 30))),
                   utcnow())
        checkin = Checkin(
            match_id=match.id, audience=audience, moment=BASELINE, opens_on=start,
            due_on=start + timedelta(days=BASELINE_DAYS), status=ANSWERED, answered_at=when,
            person_id=match.newcomer_id if audience == NEWCOMER else match.volunteer_id,
            created_at=local_to_utc(datetime.combine(start, time(6))))
        checkin.answered_by_id = checkin.person_id
        if not add_once(checkin):
            continue  # seeded already
        _answer(checkin, questions_for(audience), values)
        if audience == NEWCOMER:
            _flag(match, VERY_HARD, checkin, when + timedelta(minutes=2), staff)
        else:
            _flag(match, SUPPORT, checkin, when + timedelta(minutes=2), staff,
                  resolution=ELODIE_SUPPORT)
    db.session.flush()

