"""Calendar arithmetic for pledges and commitments, and "today" in the programme's zone."""

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo


def add_months(start, months):
    """``start`` plus whole calendar months, clamped to the month's end.

    31 August + 6 months = 28 February (29 in a leap year); 29 February + 12 months =
    28 February.
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def full_months_between(start, end):
    """Whole calendar months from ``start`` to ``end`` (0 if end is before start)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def programme_today():
    """Today's date in the programme's time zone (not the server's)."""
    from .programme.services import get_settings

    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def local_to_utc(value):
    """A naive local time typed in the programme's time zone, as naive UTC."""
    from .programme.services import get_settings

    zone = ZoneInfo(get_settings().timezone)
    return value.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def utc_to_local(value):
    """A stored naive UTC time, as naive local time in the programme's time zone."""
    from .programme.services import get_settings

    zone = ZoneInfo(get_settings().timezone)
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
