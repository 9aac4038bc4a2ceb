"""How suggestions are ranked. Every weight lives here, with the words that explain it.

A suggestion's score is the sum of:

* shared languages: +20 for each language both speak (at most two count); none in
  common costs -100, so such volunteers sink to the bottom but stay visible;
* for a language buddy, the language the newcomer wants to practise: +30 when the
  volunteer speaks it at B2 or above (or natively), -40 when they don't;
* the same neighbourhood: +15;
* overlapping availability: +4 for each weekly slot both have free (at most six count);
* current matches: -8 for each newcomer the volunteer already accompanies or was proposed;
* time left in the commitment: +1 for each month beyond the three required (at most 12).
"""

from dataclasses import dataclass, field

from babel.lists import format_list
from flask_babel import get_locale

from ..dates import full_months_between
from ..i18n import gettext as _
from ..i18n import language_name, ngettext
from ..i18n import lazy_gettext as _l

WEIGHTS = {
    "shared_language": 20,
    "max_shared_languages": 2,
    "no_shared_language": -100,
    "target_language_offered": 30,
    "target_language_missing": -40,
    "same_neighbourhood": 15,
    "shared_slot": 4,
    "max_shared_slots": 6,
    "per_current_match": -8,
    "month_left": 1,
    "max_months_left": 12,
}
# How a score reads for a coordinator: the lowest score of each kind of fit, best first.
FITS = (("good", 50), ("possible", 0), ("poor", None))
FIT_THRESHOLDS = {kind: lowest for kind, lowest in FITS if lowest is not None}
FIT_LABELS = {
    "good": _l("Good fit"),
    "possible": _l("Possible fit"),
    "poor": _l("Poor fit"),
}
MIN_MONTHS_LEFT = 3
STRONG_LEVELS = frozenset({"B2", "C1", "C2", "native"})


@dataclass
class Need:
    """What the newcomer asked for, in the form the score needs."""

    role: str
    languages: set
    target_language: str | None
    neighbourhood_id: int | None
    availability: set


@dataclass
class Candidate:
    commitment_id: int
    user_id: int
    name: str
    end_date: object
    neighbourhood_id: int | None
    availability: set
    current_matches: int
    capacity: int
    languages: dict = field(default_factory=dict)  # code -> level
    score: int = 0
    factors: dict = field(default_factory=dict)
    reasons: list = field(default_factory=list)


def factors(need, candidate, today):
    """What the score is made of (plain values, no words): cheap enough for thousands."""
    target = None
    if need.role == "language_buddy" and need.target_language:
        target = candidate.languages.get(need.target_language) in STRONG_LEVELS
    return {
        "shared": need.languages & candidate.languages.keys(),
        "target": target,
        "same_place": bool(need.neighbourhood_id)
        and need.neighbourhood_id == candidate.neighbourhood_id,
        "slots": need.availability & candidate.availability,
        "taken": candidate.current_matches,
        "months_left": full_months_between(today, candidate.end_date),
    }


def points(parts):
    total = 0
    if parts["shared"]:
        total += WEIGHTS["shared_language"] * min(len(parts["shared"]),
                                                  WEIGHTS["max_shared_languages"])
    else:
        total += WEIGHTS["no_shared_language"]
    if parts["target"] is True:
        total += WEIGHTS["target_language_offered"]
    elif parts["target"] is False:
        total += WEIGHTS["target_language_missing"]
    if parts["same_place"]:
        total += WEIGHTS["same_neighbourhood"]
    total += WEIGHTS["shared_slot"] * min(len(parts["slots"]), WEIGHTS["max_shared_slots"])
    total += WEIGHTS["per_current_match"] * parts["taken"]
    total += WEIGHTS["month_left"] * min(max(parts["months_left"] - MIN_MONTHS_LEFT, 0),
                                         WEIGHTS["max_months_left"])
    return total


def score(need, candidate, today):
    """Set ``candidate.score`` (and keep its factors for ``explain``)."""
    candidate.factors = factors(need, candidate, today)
    candidate.score = points(candidate.factors)
    return candidate


def explain(need, candidate):
    """The reasons of a scored candidate, in words, in the page's language."""
    parts, reasons = candidate.factors, []
    if parts["shared"]:
        names = format_list(sorted(language_name(code) for code in parts["shared"]),
                            locale=str(get_locale()))
        reasons.append(_("Speaks %(languages)s", languages=names))
    else:
        reasons.append(_("No language in common"))
    if parts["target"] is not None:
        target = language_name(need.target_language)
        level = candidate.languages.get(need.target_language)
        if parts["target"]:
            reasons.append(_("Offers %(language)s (%(level)s)", language=target,
                             level=_("native") if level == "native" else level))
        else:
            reasons.append(_("Does not offer %(language)s at B2 or above", language=target))
    if parts["same_place"]:
        reasons.append(_("Same neighbourhood"))
    if parts["slots"]:
        reasons.append(slots_reason(parts["slots"]))
    else:
        reasons.append(_("No free time in common yet"))
    reasons.append(_("%(taken)d of %(capacity)d places taken", taken=parts["taken"],
                     capacity=candidate.capacity))
    reasons.append(ngettext("%(num)d month left", "%(num)d months left", parts["months_left"]))
    candidate.reasons = reasons
    return candidate


def fit(score):
    """"good", "possible" or "poor": what a score means, for the suggestions list."""
    return next(kind for kind, lowest in FITS if lowest is None or score >= lowest)


def score_and_explain(need, candidate, today):
    return explain(need, score(need, candidate, today))


def sql_slack(need):
    """A volunteer whose pre-score is this far below the N-th best cannot reach it: the
    most points the factor left out of ``sql_prescore`` (availability) can add for
    one request: shared slots count only among the newcomer's own free slots."""
    return WEIGHTS["shared_slot"] * min(len(need.availability), WEIGHTS["max_shared_slots"])


def sql_language_counts(need, user_id):
    """For the volunteer ``user_id`` (a column), two SQL subqueries: how many of the
    newcomer's languages they speak (``shared``), and whether they offer the target
    language at B2 or above (``offers``, 0 or 1). Correlated, so only the eligible
    volunteers' skills are read (through the index on language_skills.user_id)."""
    from types import SimpleNamespace

    from sqlalchemy import func, select

    from ..accounts.models import LanguageSkill

    wanted = sorted(need.languages) or [""]
    of_volunteer = LanguageSkill.user_id == user_id
    return SimpleNamespace(
        shared=select(func.count()).where(of_volunteer, LanguageSkill.language.in_(wanted))
        .scalar_subquery(),
        offers=select(func.count()).where(
            of_volunteer, LanguageSkill.language == (need.target_language or ""),
            LanguageSkill.level.in_(sorted(STRONG_LEVELS))).scalar_subquery())


def sql_prescore(need, counts, neighbourhood_id, taken, end_date, today):
    """The same weights as ``points`` for the factors SQL can compute (shared languages,
    target language, neighbourhood, current matches, time left), as one SQL expression
    using the ``sql_language_counts`` subqueries."""
    from sqlalchemy import case, literal

    from ..dates import add_months

    shared = counts.shared
    total = case(
        (shared >= WEIGHTS["max_shared_languages"],
         WEIGHTS["shared_language"] * WEIGHTS["max_shared_languages"]),
        (shared >= 1, shared * WEIGHTS["shared_language"]),
        else_=WEIGHTS["no_shared_language"]) + WEIGHTS["per_current_match"] * taken
    if need.role == "language_buddy" and need.target_language:
        total = total + case((counts.offers >= 1,
                              WEIGHTS["target_language_offered"]),
                             else_=WEIGHTS["target_language_missing"])
    if need.neighbourhood_id:
        total = total + case((neighbourhood_id == need.neighbourhood_id,
                              WEIGHTS["same_neighbourhood"]), else_=literal(0))
    # A point per whole month left beyond MIN_MONTHS_LEFT (full_months_between(today, end)
    # is at least m exactly when add_months(today, m) <= end), at most max_months_left.
    for extra in range(1, WEIGHTS["max_months_left"] + 1):
        total = total + case((end_date >= add_months(today, MIN_MONTHS_LEFT + extra),
                              WEIGHTS["month_left"]), else_=literal(0))
    return total


def slots_reason(slots):
    parts = {slot.split("-")[1] for slot in slots}
    count = len(slots)
    if parts == {"morning"}:
        return ngettext("%(num)d shared morning slot", "%(num)d shared morning slots", count)
    if parts == {"afternoon"}:
        return ngettext("%(num)d shared afternoon slot", "%(num)d shared afternoon slots", count)
    if parts == {"evening"}:
        return ngettext("%(num)d shared evening slot", "%(num)d shared evening slots", count)
    return ngettext("%(num)d shared time slot", "%(num)d shared time slots", count)

