"""Every figure that leaves the building, from one place.

The /impact page, its charts, the public CSV, the annual-report snapshot and the milestone
banner all come from ``published(year)`` (live) or ``from_snapshot(data)`` (a frozen
report), then ``page()`` or ``csv_rows()``. Small numbers are hidden here, by
reports/suppression.py, never in a template.

A published year is plain JSON (it is what a snapshot stores)::

    {"format": 2, "suppress_below": 5, "year": 2025,
     "totals": {"volunteers": 31, "newcomers": "small", ...},
     "volunteers_by_role": {"mentor": 12, ...},
     "months": [{"month": "2025-01", "hours": 30, "matches_started": "hidden", ...}, ...],
     "effects": {"three_months": {"language": {"pairs": 12, "improved": 7,
                                               "same": "small", "worse": "small",
                                               "skipped": 0}, ...}, "end": {...}}}

where a number not shown is the marker SMALL or HIDDEN (reports/definitions.py).
"""

from flask_babel import format_percent

from ..checkins.effects import COMPARISONS, GROUPS, count_effects
from ..i18n import gettext as _
from ..programme.services import get_settings
from ..volunteering.models import ROLE_NAMES
from . import counting
from .definitions import (
    BY_KEY,
    COMPARISON_LABELS,
    CSV_COLUMNS,
    DEFINITIONS,
    EFFECT_GROUP_LABELS,
    EFFECT_LABELS,
    EFFECTS_CSV_COLUMNS,
    EFFECTS_HOW,
    HIDDEN,
    MONTHLY,
    SMALL,
    SUPPRESS_BELOW,
    SUPPRESSION_RULE,
    TOTALS,
)
from .suppression import TOTAL, protect, shown

FORMAT = 2  # snapshots without a format were stored raw, before small numbers were hidden
# Totals that stand alone (no breakdown adds up to them).
ALONE = ("accompanying", "newcomers")
# Month columns whose year total is published (matches started have none).
WITH_TOTAL = ("matches_completed", "certificates", "perks_redeemed")


def published(year, today=None):
    """The figures of ``year`` as anyone may see them, counted now."""
    return published_and_milestone(year, today)[0]


def published_and_milestone(year, today=None):
    """``published(year)`` and ``milestone(year)`` from the same counts (/impact shows
    both for the current year)."""
    raw = counting.count_year(year, today)
    data = {**hide_small(raw), "effects": published_effects(year)}
    return data, milestone(year, count=raw["totals"]["accompanying"])


def published_effects(year):
    """The effects of ``year`` (checkins/effects.py) as anyone may see them."""
    return hide_effects(count_effects(year))


def hide_effects(raw):
    """Raw effects → published: each question's improved/same/worse is a line whose total
    is its number of pairs; the skipped answers stand alone."""
    out = {}
    for moment, questions in raw.items():
        out[moment] = {}
        for key, counts in questions.items():
            cells = {group: counts[group] for group in GROUPS}
            hide = protect(cells, counts["pairs"])
            out[moment][key] = {
                "pairs": shown(counts["pairs"], TOTAL, hide),
                **{group: shown(value, group, hide) for group, value in cells.items()},
                "skipped": shown(counts["skipped"], TOTAL, protect({}, counts["skipped"])),
            }
    return out


def hide_small(raw):
    """Raw counts (counting.count_year) → the published figures: every line protected."""
    totals, months = raw["totals"], raw["months"]
    out_totals = {}
    out_months = [{"month": row["month"]} for row in months]
    roles = raw["volunteers_by_role"]
    hide = protect(roles, totals["volunteers"])
    out_roles = {role: shown(count, role, hide) for role, count in roles.items()}
    out_totals["volunteers"] = shown(totals["volunteers"], TOTAL, hide)
    for key in ALONE:
        if key in totals:  # older snapshots have no "accompanying"
            out_totals[key] = shown(totals[key], TOTAL, protect({}, totals[key]))
    people = raw["hours_people"]
    for key in MONTHLY:
        cells = {row["month"]: row[key] for row in months}
        if key == "hours":
            hide = protect(cells, totals["hours"],
                           small={m for m, n in people.items() if 0 < n < SUPPRESS_BELOW},
                           total_small=0 < raw["hours_people_in_year"] < SUPPRESS_BELOW)
        else:
            hide = protect(cells, totals[key] if key in WITH_TOTAL else None)
        for row in out_months:
            row[key] = shown(cells[row["month"]], row["month"], hide)
        if key in totals:
            out_totals[key] = shown(totals[key], TOTAL, hide)
    return {"format": FORMAT, "suppress_below": SUPPRESS_BELOW, "year": raw["year"],
            "totals": out_totals, "volunteers_by_role": out_roles, "months": out_months}


def from_snapshot(data):
    """A frozen report's figures as they may be shown now.

    Snapshots stored since format 2 hold the published figures: shown as they are. Older
    ones hold the raw counts of the day: their numbers are kept, and the same rule hides
    the small ones (how many people gave time each month is read from the hour entries,
    which erasure keeps).
    """
    if data.get("format"):
        return data
    people, in_year = counting.hours_people(data["year"])
    figures = hide_small({**data, "hours_people": people, "hours_people_in_year": in_year})
    return {**figures, "legacy": True}


def _is_hidden(value):
    return value in (SMALL, HIDDEN)


def _text(value, definition, below):
    """A cell as the page says it."""
    if value == SMALL:
        if definition is not None and definition.hours:
            return _("hidden: fewer than %(num)d volunteers", num=below)
        return _("fewer than %(num)d", num=below)
    if value == HIDDEN:
        return _("hidden")
    return str(value)


def page(data, rtl=False):
    """What the figures templates show (reports/_figures.html, _how_we_count.html)."""
    below = data.get("suppress_below", SUPPRESS_BELOW)
    return {
        "year": data["year"],
        "legacy": data.get("legacy", False),
        "totals": [{"key": key, "label": BY_KEY[key].label,
                    "text": _text(data["totals"][key], BY_KEY[key], below)}
                   for key in TOTALS if key in data["totals"]],
        "roles": [{"key": role, "label": ROLE_NAMES[role], "text": _text(count, None, below)}
                  for role, count in data["volunteers_by_role"].items()],
        "columns": [BY_KEY[key].column for key in MONTHLY],
        "months": [{"month": row["month"],
                    "cells": [{"key": key, "text": _text(row[key], BY_KEY[key], below)}
                              for key in MONTHLY]}
                   for row in data["months"]],
        "charts": [
            chart(data, "hours", _("Approved hours per month in %(year)d", year=data["year"]),
                  rtl),
            chart(data, "matches_started",
                  _("Matches started per month in %(year)d", year=data["year"]), rtl),
        ],
        **how_we_count(),
        "effects": effects_page(data.get("effects"), rtl, year=data["year"], below=below),
    }


def how_we_count():
    """What "How we count" says (reports/_how_we_count.html): the definitions the figures
    are counted by, and the rule that hides small numbers."""
    return {"definitions": DEFINITIONS, "effect_definitions": EFFECTS_HOW,
            "rule": SUPPRESSION_RULE}


# Charts: drawn on the server as SVG (reports/_chart.html draws what this measures).
WIDTH, HEIGHT, TOP, BOTTOM = 600, 220, 24, 40


def chart(data, key, title, rtl=False):
    """A bar per month; a hidden number has no bar, only its mark. Right to left, January
    is drawn on the right."""
    below = data.get("suppress_below", SUPPRESS_BELOW)
    rows = [(row["month"][5:], row[key]) for row in data["months"]]
    highest = max((value for _label, value in rows if not _is_hidden(value)), default=0)
    scale = (HEIGHT - TOP - BOTTOM) / highest if highest > 0 else 0
    step = WIDTH / len(rows)
    bars = []
    for index, (label, value) in enumerate(rows):
        slot = len(rows) - 1 - index if rtl else index
        x = slot * step + step * 0.15
        height = 0 if _is_hidden(value) else max(value, 0) * scale
        mark = (f"<{below}" if value == SMALL and not BY_KEY[key].hours
                else "–" if _is_hidden(value) else str(value))
        bars.append({"label": label, "mark": mark, "x": f"{x:.1f}",
                     "y": f"{HEIGHT - BOTTOM - height:.1f}", "width": f"{step * 0.7:.1f}",
                     "height": f"{height:.1f}", "middle": f"{x + step * 0.35:.1f}",
                     "mark_y": f"{HEIGHT - BOTTOM - height - 6:.1f}"})
    description = _("Bars for each month, January to December; the table below gives the "
                    "same numbers. A month whose number is not shown has no bar.")
    return {"id": f"{key}-{data['year']}", "title": title, "description": description,
            "bars": bars, "width": WIDTH, "height": HEIGHT, "axis": HEIGHT - BOTTOM,
            "label_y": HEIGHT - BOTTOM + 18}


# Effects (checkins/effects.py, published by hide_effects) ----------------------------

ROW, BAR, LEGEND = 44, 16, 32
# Without a colour per group, the groups differ by how dark their bar is (and the legend).
SHADES = {"improved": "1", "same": "0.55", "worse": "0.25"}


def effects_page(effects, rtl=False, *, year=None, below=SUPPRESS_BELOW):
    """What reports/_effects.html shows: per comparison, per question, each group as text
    ("7 of 12 (58%)" when shown) and a chart. None for a report published without effects.
    """
    if effects is None:
        return None
    comparisons = []
    for moment in COMPARISONS:
        rows = []
        for key, counts in effects.get(moment, {}).items():
            pairs = counts["pairs"]
            rows.append({
                "key": key, "label": EFFECT_LABELS[key], "counts": counts,
                "pairs": _text(pairs, None, below),
                "groups": [{"key": group, "text": _group_text(counts[group], pairs, below)}
                           for group in GROUPS],
                "skipped": _text(counts["skipped"], None, below),
            })
        title = COMPARISON_LABELS[moment]
        comparisons.append({"key": moment, "title": title, "rows": rows,
                            "chart": effects_chart(rows, f"effects-{moment}-{year}", title,
                                                   rtl, below)})
    return {"year": year, "comparisons": comparisons,
            "groups": [{"key": group, "label": EFFECT_GROUP_LABELS[group]}
                       for group in GROUPS]}


def _group_text(value, pairs, below):
    if _is_hidden(value) or _is_hidden(pairs) or not pairs:
        return _text(value, None, below)
    return _("%(count)d of %(pairs)d (%(share)s)", count=value, pairs=pairs,
             share=format_percent(value / pairs))


def effects_chart(rows, chart_id, title, rtl=False, below=SUPPRESS_BELOW):
    """A stacked bar per question: improved, same, worse, as shares of its pairs. A hidden
    group has no bar (and, since the rule always hides two groups or none, the group
    shown never reveals the others by where it starts). Right to left, bars start on the
    right."""
    bars = []
    for index, row in enumerate(rows):
        counts, top = row["counts"], index * ROW
        pairs = counts["pairs"]
        segments, offset = [], 0.0
        if not _is_hidden(pairs) and pairs > 0:
            for group in GROUPS:
                value = counts[group]
                if _is_hidden(value) or value <= 0:
                    continue
                width = WIDTH * value / pairs
                x = WIDTH - offset - width if rtl else offset
                segments.append({"group": group, "x": f"{x:.1f}", "width": f"{width:.1f}",
                                 "shade": SHADES[group], "mark": str(value),
                                 "middle": f"{x + width / 2:.1f}",
                                 "labelled": width >= 28})
                offset += width
        bars.append({"label": row["label"], "label_y": f"{top + 14:.1f}",
                     "y": f"{top + 20:.1f}", "height": BAR, "mark_y": f"{top + 33:.1f}",
                     "segments": segments})
    legend_y = len(rows) * ROW + 8
    slot = WIDTH / len(GROUPS)
    legend = []
    for index, group in enumerate(GROUPS):
        x = WIDTH - (index + 1) * slot if rtl else index * slot
        legend.append({"label": EFFECT_GROUP_LABELS[group], "shade": SHADES[group],
                       "x": f"{x:.1f}", "y": legend_y, "text_x": f"{x + slot / 2:.1f}",
                       "text_y": legend_y + 28})
    description = _("For each question, a bar split into the newcomers whose answer "
                    "improved, stayed the same or worsened, as shares of the pairs of "
                    "answers; the table gives the same numbers. A group of fewer than "
                    "%(num)d, or hidden to protect one, has no bar.", num=below)
    return {"id": chart_id, "title": title, "description": description, "bars": bars,
            "legend": legend, "legend_width": f"{slot * 0.3:.1f}", "width": WIDTH,
            "height": legend_y + LEGEND + 8}


def effects_csv_rows(data):
    """One row per comparison and question; a number not shown is a mark, as in
    csv_rows. Nothing but the header for a report published without effects."""
    below = data.get("suppress_below", SUPPRESS_BELOW)
    marks = {SMALL: f"<{below}", HIDDEN: "x"}
    note = _("<%(num)d: fewer than %(num)d; x: hidden so that a small number cannot be "
             "worked out from the number of pairs", num=below)
    names = {"three_months": "start_to_three_months", "end": "start_to_end"}
    yield EFFECTS_CSV_COLUMNS
    for moment in COMPARISONS:
        for key, counts in (data.get("effects") or {}).get(moment, {}).items():
            cells = [counts[name] for name in ("pairs", *GROUPS, "skipped")]
            hidden = any(_is_hidden(value) for value in cells)
            yield (names[moment], key, *(marks.get(value, value) for value in cells),
                   note if hidden else "")


# The CSV file ------------------------------------------------------------------------


def csv_rows(data):
    """One row per month; a number not shown is a mark, explained in the row's note."""
    below = data.get("suppress_below", SUPPRESS_BELOW)
    marks = {SMALL: f"<{below}", HIDDEN: "x"}
    note = _("<%(num)d: fewer than %(num)d (hours: fewer than %(num)d volunteers gave time "
             "that month); x: hidden so that a small number cannot be worked out from the "
             "total", num=below)
    yield ("year", "month", *(CSV_COLUMNS[key] for key in MONTHLY), "note")
    for row in data["months"]:
        cells = [marks.get(row[key], row[key]) for key in MONTHLY]
        hidden = any(_is_hidden(row[key]) for key in MONTHLY)
        yield (data["year"], row["month"], *cells, note if hidden else "")


# The milestone banner ----------------------------------------------------------------


def milestone(year, count=None):
    """The highest milestone reached in ``year`` that may be published, or None.

    It counts the residents who accompanied newcomers (definitions: "accompanying"), the
    same number as the year's figures (pass ``count`` when they are counted already); a
    milestone below SUPPRESS_BELOW is never shown.
    """
    if count is None:
        count = counting.residents_accompanying(year)
    reached = [t for t in sorted(get_settings().milestones or [])
               if SUPPRESS_BELOW <= t <= count]
    return {"threshold": reached[-1], "year": year} if reached else None
