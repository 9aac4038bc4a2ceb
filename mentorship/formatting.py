"""How dates and times read: the one set of helpers, in the page's language and the
programme's time zone.

Everything a person reads about a date or a time goes through here (the templates'
``dateformat``, ``datetimeformat``, ``timeformat``, ``timerange`` and ``monthformat``
filters are these functions), so the rules live in one place:

- the words and order are the locale's own (CLDR, through Babel), 12- or 24-hour as
  that locale usually writes the time;
- stored timestamps are naive UTC and are shown in the programme's time zone
  (``flask_babel.get_timezone()``, from the programme's settings);
- never seconds, never an offset ("+0100") or a zone name ("Central European Standard
  Time"): the programme lives in one zone, and people read hours and minutes.

Widths are the locale's date lengths: ``short`` (14/01/2027), ``medium`` (14 janv. 2027),
``long`` (14 janvier 2027) and ``full`` (jeudi 14 janvier 2027). A time of day is always
the locale's short time (18:00, 6:00 PM), whatever the width.
"""

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_time
from flask_babel import get_timezone

from .i18n import current_locale

WIDTHS = ("short", "medium", "long", "full")
MONTH_KEY = re.compile(r"(\d{4})-(\d{2})")


def _locale():
    return current_locale() or Locale.parse("en")


def _width(width):
    if width not in WIDTHS:
        raise ValueError(f"unknown date width {width!r}: use one of {', '.join(WIDTHS)}")
    return width


def to_local(value):
    """A stored timestamp (naive means UTC) as an aware time in the programme's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = get_timezone()
    local = value.astimezone(zone)
    return zone.normalize(local) if hasattr(zone, "normalize") else local


def _day_of(value):
    return to_local(value).date() if isinstance(value, datetime) else value


def _join(day_text, clock_text, width, locale):
    """The locale's way of putting a date and a time together ("{1}, {0}", "{1} {0}")."""
    glue = locale.datetime_formats[width].replace("'", "")
    return glue.replace("{1}", day_text).replace("{0}", clock_text)


def _hour_skeleton(locale):
    """"hm" where the locale writes 6:00 PM, "Hm" where it writes 18:00."""
    pattern = re.sub(r"'[^']*'", "", locale.time_formats["short"].pattern)
    return "hm" if ("h" in pattern or "K" in pattern) else "Hm"


def format_day(value, width="medium"):
    """A date, or a timestamp shown as its date in the programme's zone ("" for None)."""
    if value is None:
        return ""
    return _day_text(_day_of(value), _width(width), str(_locale()))


@lru_cache(maxsize=8192)
def _day_text(day, width, locale):
    # CLDR's words never change while the app runs, and a page shows the same few days
    # many times over (Babel takes ~30 µs a date): each is written once.
    return format_date(day, width, locale=Locale.parse(locale))


def format_clock(value, width=None):
    """The time of day, hours and minutes (every width reads the same): 18:00, 6:00 PM.

    A timestamp is shown in the programme's zone; a bare ``time`` is taken as local.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return _clock_text(value.hour, value.minute, str(_locale()))


@lru_cache(maxsize=4096)
def _clock_text(hour, minute, locale):
    return format_time(time(hour, minute), "short", locale=Locale.parse(locale))


def format_moment(value, width="medium"):
    """A timestamp as its local date and time of day: "14 janv. 2027, 18:00".

    A plain date (no time in it) is shown as a day.
    """
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_day(value, width)
    locale = _locale()
    code = str(locale)
    local = to_local(value)
    return _join(_day_text(local.date(), _width(width), code),
                 _clock_text(local.hour, local.minute, code), width, locale)


def format_span(start, end, width="full"):
    """From ``start`` to ``end``: the date once and both times when they fall on the same
    local day ("jeudi 14 janvier 2027, 18:00–19:30"), else both moments in full."""
    if start is None:
        return ""
    if end is None:
        return format_moment(start, width)
    locale = _locale()
    first, last = to_local(start), to_local(end)
    if first.date() != last.date():
        fallback = locale.interval_formats.get(None) or "{0} – {1}"
        return (fallback.replace("{0}", format_moment(start, width))
                .replace("{1}", format_moment(end, width)))
    hours = format_interval(first.replace(tzinfo=None).time(), last.replace(tzinfo=None).time(),
                            _hour_skeleton(locale), locale=locale)
    return _join(format_date(first.date(), _width(width), locale=locale), hours, width, locale)


def format_month(value):
    """A month on its own, as a heading or a row label: "November 2026", "Листопад 2026 р.".

    ``value`` is a date, a timestamp (its local month) or a "YYYY-MM" key. The month is
    the locale's stand-alone form (nominative in Ukrainian), with a capital first letter
    as CLDR asks for stand-alone month names.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        found = MONTH_KEY.fullmatch(value)
        if not found:
            raise ValueError(f"not a YYYY-MM month: {value!r}")
        value = date(int(found.group(1)), int(found.group(2)), 1)
    return _month_text(date(*_day_of(value).timetuple()[:2], 1), str(_locale()))


@lru_cache(maxsize=2048)
def _month_text(first_day, locale):
    text = format_skeleton("yMMMM", first_day, locale=Locale.parse(locale))
    return text[:1].upper() + text[1:]


def register_filters(app):
    """Make the templates' date filters these helpers (replacing Flask-Babel's own).

    Call after ``babel.init_app``, which installs Flask-Babel's filters under the same
    names.
    """
    app.jinja_env.filters.update(
        dateformat=lambda value, width=None: format_day(value, width or "medium"),
        datetimeformat=lambda value, width=None: format_moment(value, width or "medium"),
        timeformat=format_clock,
        timerange=lambda start, end, width=None: format_span(start, end, width or "full"),
        monthformat=format_month,
    )

