"""What each published figure counts, written once.

The counting (reports/counting.py), the pages, the CSV and the "How we count" text all
read these definitions, so the words a reader sees are the rule the code applies.
"""

from dataclasses import dataclass

from ..i18n import lazy_gettext as _l

# A count of people (or of what they did) below this is never published: so few could be
# recognised. Hours are hidden for a month in which fewer than this many people gave time.
SUPPRESS_BELOW = 5

# How a cell that is not published is stored (snapshots) and marked (pages, CSV).
SMALL = "small"    # below SUPPRESS_BELOW (for hours: too few people gave time)
HIDDEN = "hidden"  # hidden too, so that a small cell cannot be worked out from the total


@dataclass(frozen=True)
class Definition:
    key: str
    label: object         # lazy string: the figure's name
    how: object           # lazy string: how we count it, in plain words
    column: object = None  # lazy string: the column heading in the month-by-month table
    hours: bool = False   # a quantity of time, not a count of people or of their acts


DEFINITIONS = (
    Definition("volunteers", _l("Residents who volunteered"), _l(
        "Residents with a volunteering commitment (mentor, language buddy or housing "
        "helper) that was active on at least one day of the year: from its start until "
        "it was completed or ended early, or still going. A resident who accompanied a "
        "newcomer during the year counts too. Each person counts once, whatever the number "
        "of commitments; someone still waiting for training does not count yet. In the "
        "breakdown by role, a person active in two roles counts in each.")),
    Definition("accompanying", _l("Residents who accompanied newcomers"), _l(
        "Residents who had a match with a newcomer active on at least one day of the year, "
        "from the day both accepted until the match ended. They are all counted among the "
        "residents who volunteered; the other volunteers had no match active that year "
        "(they were waiting for one, or helped in other ways). The milestones we celebrate "
        "count these residents.")),
    Definition("newcomers", _l("Newcomers accompanied"), _l(
        "Newcomers who had a match with a volunteer active on at least one day of the "
        "year, each counted once. A newcomer may have several buddies (one per role, or one "
        "after another) and a volunteer several newcomers, so this number need not equal "
        "the one above.")),
    Definition("hours", _l("Approved hours given"), _l(
        "Hours a coordinator has verified, counted in the month they were given, in whole "
        "hours per month. A month in which fewer than %(num)d volunteers gave time is not "
        "shown on its own.", num=SUPPRESS_BELOW), column=_l("Approved hours"), hours=True),
    Definition("certificates", _l("Certificates issued"), _l(
        "Training certificates, counted in the month they were issued."),
        column=_l("Certificates")),
    Definition("matches_started", _l("Matches started"), _l(
        "Matches counted in the month both the volunteer and the newcomer had accepted."),
        column=_l("Matches started")),
    Definition("matches_completed", _l("Matches completed"), _l(
        "Matches that reached their end as planned, counted once: in the month and year "
        "they ended. Matches ended early are not counted here."),
        column=_l("Matches completed")),
    Definition("perks_redeemed", _l("Cultural passes used"), _l(
        "Cultural passes checked at a partner venue, counted in the month they were used."),
        column=_l("Passes used")),
)
BY_KEY = {definition.key: definition for definition in DEFINITIONS}

# The totals of a year, in the order the pages show them.
TOTALS = ("volunteers", "accompanying", "newcomers", "hours", "certificates",
          "matches_completed", "perks_redeemed")
# The month-by-month table, and the name of each column in the CSV file.
MONTHLY = ("hours", "matches_started", "matches_completed", "certificates", "perks_redeemed")
CSV_COLUMNS = {"hours": "approved_hours", "matches_started": "matches_started",
               "matches_completed": "matches_completed",
               "certificates": "certificates_issued", "perks_redeemed": "perks_redeemed"}

# The published totals' names (a Jinja global, metric_labels).
METRIC_LABELS = {key: BY_KEY[key].label for key in TOTALS}

SUPPRESSION_RULE = _l(
    "No figure names anyone. A number of people, or of things they did, below %(num)d is "
    "shown as “fewer than %(num)d” (a zero is shown as 0): on this page, in the charts, in "
    "the CSV files and in the annual reports. When a breakdown has a published total, "
    "another number may be “hidden” as well, so that a small number cannot be worked out "
    "by subtracting the others from the total; a total below %(num)d is not shown either. "
    "Hours are hidden for a month in which fewer than %(num)d volunteers gave time, for "
    "the same reason.", num=SUPPRESS_BELOW)

# Effects: how newcomers' answers changed (checkins/effects.py counts them) -------------

# The check-in questions compared over time, by their stable key, in a few words.
EFFECT_LABELS = {
    "language": _l("Everyday conversations"),
    "procedures": _l("Administrative procedures"),
    "isolation": _l("People to ask for help"),
    "welcome": _l("Feeling welcome"),
    "housing": _l("Stable housing"),
    "work": _l("Work, training or a course"),
}
# Each comparison, named after its later check-in (the earlier one is the start).
COMPARISON_LABELS = {
    "three_months": _l("From the start to three months"),
    "end": _l("From the start to the end of the match"),
}
EFFECT_GROUP_LABELS = {"improved": _l("Improved"), "same": _l("Stayed the same"),
                       "worse": _l("Worsened")}
# The effects in the CSV file: one row per comparison and question.
EFFECTS_CSV_COLUMNS = ("comparison", "question", "pairs", "improved", "same", "worse",
                       "skipped", "note")

# How the effects are counted, in plain words ("How we count", the annual report).
EFFECTS_HOW = (
    Definition("effects_pairs", _l("Pairs of answers"), _l(
        "Newcomers answer the same short questions at the start of a match, after three "
        "months and at its end. For each question we compare a newcomer's answer at the "
        "start with their answer three months later, or at the end. Only pairs count: both "
        "answers must have been given. A comparison belongs to the year in which the later "
        "answer was given; a newcomer counts once per question and comparison (with their "
        "first match, when they had several).")),
    Definition("effects_improved", _l("Improved, stayed the same, worsened"), _l(
        "An answer improved when the later one is higher on the five-step scale (from "
        "“very hard” to “very good”) than the first. For work, training or a course, "
        "“looking” is higher than “no”, and “yes” higher than “looking”. The shares are of "
        "the pairs for that question.")),
    Definition("effects_skipped", _l("Skipped answers"), _l(
        "Anyone may skip a question. A skipped answer is never counted as a value: it "
        "makes no pair, and the number of later answers that were skipped is shown on its "
        "own.")),
    Definition("effects_small", _l("Small groups"), _l(
        "The same rule as for every figure: a group of fewer than %(num)d newcomers is "
        "shown as “fewer than %(num)d”, and another group may be hidden so that it cannot "
        "be worked out from the number of pairs.", num=SUPPRESS_BELOW)),
)
