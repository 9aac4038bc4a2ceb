"""The one rule for small numbers: which cells of a published line must not be shown.

A *line* is a breakdown (months of a year, roles) with, perhaps, its published total.
A cell below SUPPRESS_BELOW is hidden ("fewer than 5"). That alone is not enough when the
total is published: with one hidden cell, total minus the others gives it back. So more
cells are hidden ("complementary suppression"), smallest first, until no hidden cell can
be worked out from the total and the cells shown. When no cell is left to hide, the total
is hidden instead.

What a reader knows of a hidden cell: a count marked "fewer than 5" is 1 to 4 (a zero is
shown as 0), a count hidden to protect another is 5 or more; hours have no such bounds.
With the hidden cells' sum known (total minus the cells shown), a cell is pinned down
exactly when that sum is the smallest or the largest the hidden cells can add up to (or
when it is hidden alone); otherwise every hidden cell could take another value.
"""

from math import inf

from .definitions import HIDDEN, SMALL, SUPPRESS_BELOW

TOTAL = "(total)"  # the key of the line's total in protect()'s answer


def protect(cells, total=None, *, small=None, total_small=None):
    """The cells of one line (and its total) that must not be published.

    ``cells`` maps each key to its value; ``total`` is the line's total when it is
    published (None when it is not). By default a cell or total from 1 to SUPPRESS_BELOW-1
    is too small; for hours, which are not counts of people, pass ``small`` (the keys of
    months with too few people) and ``total_small``.

    Returns ``{key: SMALL or HIDDEN}`` for every cell to hide, with ``TOTAL`` as the key
    of the total when it is hidden.
    """
    counts = small is None
    if counts:
        small = {key for key, value in cells.items() if 0 < value < SUPPRESS_BELOW}
        total_small = total is not None and 0 < total < SUPPRESS_BELOW
    hide = {key: SMALL for key in cells if key in small}
    if total is None:
        return hide
    if total_small:
        hide[TOTAL] = SMALL
        return hide
    # Complements: the smallest cells shown (never a zero), in the line's order on ties.
    order = list(cells)
    spare = sorted((key for key in cells if key not in hide and cells[key] > 0),
                   key=lambda key: (cells[key], order.index(key)))
    while hide and _pinned(cells, total, hide, counts):
        if not spare:
            hide[TOTAL] = HIDDEN
            break
        hide[spare.pop(0)] = HIDDEN
    return hide


def _pinned(cells, total, hide, counts):
    """Whether a reader could work out a hidden cell from the total and the cells shown."""
    if len(hide) == 1:
        return True
    remaining = total - sum(value for key, value in cells.items() if key not in hide)
    lowest = highest = 0
    for marker in hide.values():
        low, high = _bounds(marker, counts)
        lowest, highest = lowest + low, highest + high
    return not lowest < remaining < highest


def _bounds(marker, counts):
    """What a reader knows of a hidden cell from its marker."""
    if not counts:
        return 0, inf
    if marker == SMALL:
        return 1, SUPPRESS_BELOW - 1
    return SUPPRESS_BELOW, inf


def shown(value, key, hide):
    """The cell as published: its value, or the marker saying why it is hidden."""
    return hide.get(key, value)
