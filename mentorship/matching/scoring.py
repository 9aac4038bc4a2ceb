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
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from ..dates import full_months_between
from ..i18n import language_name

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
    reasons: list = field(default_factory=list)


def score(need, candidate, today):
    """Set ``candidate.score`` and ``candidate.reasons`` (translated words) for ``need``."""
    total, reasons = 0, []
    shared = sorted(need.languages & candidate.languages.keys(), key=language_name)
    if shared:
        total += WEIGHTS["shared_language"] * min(len(shared), WEIGHTS["max_shared_languages"])
        names = format_list([language_name(code) for code in shared], locale=str(get_locale()))
        reasons.append(_("Speaks %(languages)s", languages=names))
    else:
        total += WEIGHTS["no_shared_language"]
        reasons.append(_("No language in common"))
    if need.role == "language_buddy" and need.target_language:
        level = candidate.languages.get(need.target_language)
        target = language_name(need.target_language)
        if level in STRONG_LEVELS:
            total += WEIGHTS["target_language_offered"]
            reasons.append(_("Offers %(language)s (%(level)s)", language=target,
                             level=_("native") if level == "native" else level))
        else:
            total += WEIGHTS["target_language_missing"]
            reasons.append(_("Does not offer %(language)s at B2 or above", language=target))
    if need.neighbourhood_id and need.neighbourhood_id == candidate.neighbourhood_id:
        total += WEIGHTS["same_neighbourhood"]
        reasons.append(_("Same neighbourhood"))
    slots = need.availability & candidate.availability
    if slots:
        total += WEIGHTS["shared_slot"] * min(len(slots), WEIGHTS["max_shared_slots"])
        reasons.append(slots_reason(slots))
    else:
        reasons.append(_("No free time in common yet"))
    total += WEIGHTS["per_current_match"] * candidate.current_matches
    reasons.append(_("%(taken)d of %(capacity)d places taken", taken=candidate.current_matches,
                     capacity=candidate.capacity))
    months_left = full_months_between(today, candidate.end_date)
    total += WEIGHTS["month_left"] * min(max(months_left - MIN_MONTHS_LEFT, 0),
                                         WEIGHTS["max_months_left"])
    reasons.append(ngettext("%(num)d month left", "%(num)d months left", months_left))
    candidate.score, candidate.reasons = total, reasons
    return candidate


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

