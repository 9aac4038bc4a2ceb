from datetime import date

import pytest

from mentorship.dates import add_months, full_months_between


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),   # leap year
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2026, 2, 3), 6, date(2026, 8, 3)),
    (date(2026, 10, 31), 1, date(2026, 11, 30)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 7, 31), 7, date(2027, 2, 28)),
])
def test_add_months_is_calendar_correct(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(("start", "end", "months"), [
    (date(2026, 1, 15), date(2026, 5, 14), 3),
    (date(2026, 1, 15), date(2026, 5, 15), 4),
    (date(2026, 8, 31), date(2027, 2, 28), 6),
    (date(2026, 8, 31), date(2027, 2, 27), 5),
    (date(2026, 5, 1), date(2026, 4, 1), 0),
])
def test_full_months_between(start, end, months):
    assert full_months_between(start, end) == months
