"""The one rule for small numbers (reports/suppression.py), on its own."""

import itertools
import random

import pytest

from mentorship.reports.definitions import HIDDEN, SMALL
from mentorship.reports.suppression import TOTAL, protect


def test_nothing_small_hides_nothing():
    assert protect({"jan": 5, "feb": 0, "mar": 12}, 17) == {}
    assert protect({}, 12) == {}


def test_one_cell_of_3_beside_a_published_total_hides_the_next_smallest_too():
    cells = {"jan": 3, "feb": 12, "mar": 7, "apr": 0}
    hide = protect(cells, 22)
    # 22 - 12 - 0 = 10 is jan + mar together: neither can be worked out alone.
    assert hide == {"jan": SMALL, "mar": HIDDEN}


def test_without_a_published_total_only_the_small_cell_is_hidden():
    assert protect({"jan": 3, "feb": 12, "mar": 7}) == {"jan": SMALL}


@pytest.mark.parametrize("cells, total, expected", [
    # Two cells of 1: together 2, so each is 1. A third cell must hide too.
    ({"a": 1, "b": 1, "c": 9, "d": 20}, 31, {"a": SMALL, "b": SMALL, "c": HIDDEN}),
    # Two cells of 4: together 8, so each is 4.
    ({"a": 4, "b": 4, "c": 9}, 17, {"a": SMALL, "b": SMALL, "c": HIDDEN}),
    # 2 and 3: together 5, which 1+4, 2+3, 3+2 and 4+1 all give. Enough.
    ({"a": 2, "b": 3, "c": 9}, 14, {"a": SMALL, "b": SMALL}),
    # A 1 and a complement of exactly 5: together 6, only 1 + 5 gives it. One more.
    ({"a": 1, "b": 5, "c": 6, "d": 30}, 42, {"a": SMALL, "b": HIDDEN, "c": HIDDEN}),
    # Ties among complements: the earlier cell in the line's order.
    ({"a": 3, "b": 8, "c": 8}, 19, {"a": SMALL, "b": HIDDEN}),
])
def test_complements_until_nothing_can_be_worked_out(cells, total, expected):
    assert protect(cells, total) == expected


def test_a_total_below_5_is_hidden_with_its_cells():
    assert protect({"a": 1, "b": 2, "c": 0}, 3) == {"a": SMALL, "b": SMALL, TOTAL: SMALL}
    assert protect({}, 4) == {TOTAL: SMALL}
    assert protect({}, 0) == {}


def test_hours_hide_months_with_few_people_and_a_complement():
    cells = {"jan": 40, "feb": 3, "mar": 18, "apr": 0}
    hide = protect(cells, 61, small={"feb"}, total_small=False)
    assert hide == {"feb": SMALL, "mar": HIDDEN}
    assert protect(cells, 61, small={"feb"}, total_small=True)[TOTAL] == SMALL


def test_with_nothing_left_to_hide_the_total_is_hidden():
    # A month of hours given by too few people, and no other month with hours.
    assert protect({"jan": 10, "feb": 0}, 10, small={"jan"}, total_small=False) == {
        "jan": SMALL, TOTAL: HIDDEN}


def _possible_values(cells, total, hide, key, below=5):
    """Every value the reader can give ``key`` from what is published (brute force)."""
    hidden = [k for k in cells if k in hide]
    ranges = [range(1, below) if hide[k] == SMALL else range(below, total + 1)
              for k in hidden]
    shown = sum(v for k, v in cells.items() if k not in hide)
    return {combo[hidden.index(key)] for combo in itertools.product(*ranges)
            if sum(combo) + shown == total}


def test_no_hidden_count_can_be_worked_out_on_many_random_lines():
    rng = random.Random(13)
    checked = 0
    for _ in range(400):
        cells = {f"m{i}": rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 9, 12))
                 for i in range(rng.randint(2, 5))}
        total = sum(cells.values())
        hide = protect(cells, total)
        if TOTAL in hide or not hide:
            continue
        for key in hide:
            assert len(_possible_values(cells, total, hide, key)) > 1, (cells, hide, key)
            checked += 1
    assert checked > 300
