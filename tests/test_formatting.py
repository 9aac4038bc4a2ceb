"""Dates and times read the same way everywhere (mentorship/formatting.py): the page's
language, the programme's time zone, hours and minutes without seconds, no offset or zone
name, month names rather than "2026-11"."""

import ast
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import flask_babel
import pytest
from babel.dates import get_timezone_gmt, get_timezone_location, get_timezone_name
from flask import render_template_string
from flask_babel import force_locale

from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.formatting import (
    WIDTHS,
    format_clock,
    format_day,
    format_moment,
    format_month,
    format_span,
)
from mentorship.hours import services as hours_services
from mentorship.mail import render_message
from mentorship.programme.services import get_settings
from mentorship.recognition.models import Partner, PartnerStaff, Pass, Perk
from mentorship.volunteering.models import Commitment
from tests.conftest import log_in, page_text

LOCALES = ("en", "fr", "ar", "uk")
# Stored as naive UTC: 17:00 UTC is 18:00 in Paris in winter (the programme's default zone).
STARTS = datetime(2027, 1, 14, 17, 0)
ENDS = datetime(2027, 1, 14, 18, 30)
# What 18:00 looks like in each language's own habit (12-hour in English and Arabic).
SIX_PM = {"en": "6:00", "fr": "18:00", "ar": "6:00", "uk": "18:00"}
SECONDS = re.compile(r"\d:\d\d:\d\d")
NOVEMBER_2026 = {"en": "November 2026", "fr": "Novembre 2026", "ar": "نوفمبر 2026",
                 "uk": "Листопад 2026"}


def zone_words(locale):
    """Every way Babel could name the Paris zone or its offset in ``locale``."""
    words = {"+0100", "+01:00", "GMT", "UTC", "CET", "Europe/Paris"}
    for width in ("long", "short"):
        for zone_type in ("generic", "standard"):
            words.add(get_timezone_name("Europe/Paris", width, zone_type, locale=locale))
    words.add(get_timezone_location("Europe/Paris", locale=locale))
    words.add(get_timezone_gmt(datetime(2027, 1, 14, 18), "long", locale=locale))
    words.add(get_timezone_gmt(datetime(2027, 1, 14, 18), "short", locale=locale))
    return {word for word in words if word}


@pytest.fixture
def request_ctx(app):
    with app.test_request_context():
        yield app


def assert_clean(text, locale):
    assert not SECONDS.search(text), text
    for word in zone_words(locale):
        assert word not in text, (word, text)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", LOCALES)
def test_a_moment_is_local_hours_and_minutes_without_seconds_or_zone(request_ctx, locale,
                                                                    width):
    with force_locale(locale):
        text = format_moment(STARTS, width)
        clock = format_clock(STARTS)
    assert_clean(text, locale)
    assert SIX_PM[locale] in text and SIX_PM[locale] in clock
    assert "17:00" not in text and "5:00" not in text  # not the stored UTC time
    assert "14" in text and "27" in text  # 14 January 2027 (short widths write "27")
    if locale == "en":
        assert re.search(r"6:00\s?PM", text), text


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", LOCALES)
def test_a_day_is_the_local_date_and_has_no_time(request_ctx, locale, width):
    late_evening = datetime(2027, 1, 14, 23, 30)  # 00:30 on 15 January in Paris
    with force_locale(locale):
        text = format_day(late_evening, width)
        same = format_day(date(2027, 1, 15), width)
    assert text == same
    assert ":" not in text
    assert_clean(text, locale)


def test_the_words_are_the_locales_own(request_ctx):
    with force_locale("en"):
        assert format_day(date(2027, 1, 14), "long") == "January 14, 2027"
        assert re.fullmatch(r"Thursday, January 14, 2027, 6:00\sPM",
                            format_moment(STARTS, "full"))
    with force_locale("fr"):
        assert format_day(date(2027, 1, 14), "long") == "14 janvier 2027"
        assert format_moment(STARTS, "full") == "jeudi 14 janvier 2027, 18:00"


@pytest.mark.parametrize("locale", LOCALES)
def test_a_span_on_one_day_shows_the_date_once(request_ctx, locale):
    with force_locale(locale):
        text = format_span(STARTS, ENDS)
        full_date = format_day(STARTS, "full")
    assert text.count("2027") == 1 and text.startswith(full_date)
    assert SIX_PM[locale] in text and ("7:30" if locale in ("en", "ar") else "19:30") in text
    assert_clean(text, locale)


def test_a_span_reads_as_one_phrase(request_ctx):
    with force_locale("fr"):
        assert re.fullmatch(r"jeudi 14 janvier 2027, 18:00\s?–\s?19:30", format_span(STARTS, ENDS))
    with force_locale("en"):
        assert re.fullmatch(r"Thursday, January 14, 2027, 6:00\s?–\s?7:30\sPM",
                            format_span(STARTS, ENDS))


@pytest.mark.parametrize("locale", LOCALES)
def test_a_span_over_two_days_shows_both_moments(request_ctx, locale):
    with force_locale(locale):
        text = format_span(STARTS, STARTS + timedelta(days=1, hours=2))
    assert text.count("2027") == 2
    assert_clean(text, locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_months_have_names(request_ctx, locale):
    with force_locale(locale):
        from_key = format_month("2026-11")
        from_date = format_month(date(2026, 11, 20))
        # 23:30 UTC on 31 October is already November in Paris.
        from_moment = format_month(datetime(2026, 10, 31, 23, 30))
    assert from_key == from_date == from_moment
    assert from_key.startswith(NOVEMBER_2026[locale]), from_key
    assert "2026-11" not in from_key


def test_ukrainian_month_on_its_own_is_nominative(request_ctx):
    with force_locale("uk"):
        assert format_month("2026-11").startswith("Листопад")  # not "листопада"
        assert format_month("2027-01").startswith("Січень")  # not "січня"


def test_other_patterns_and_bad_months_are_refused(request_ctx):
    with pytest.raises(ValueError):
        format_day(date(2027, 1, 14), "MMMM yyyy")
    with pytest.raises(ValueError):
        format_moment(STARTS, "HH:mm:ss")
    with pytest.raises(ValueError):
        format_month("November")


def test_nothing_shows_as_nothing(request_ctx):
    for helper in (format_day, format_moment, format_clock, format_month):
        assert helper(None) == ""
    assert format_span(None, None) == ""


def test_the_time_zone_is_the_programmes(app):
    with app.app_context():
        get_settings().timezone = "America/New_York"
        db.session.commit()
    with app.test_request_context(), force_locale("en"):
        assert re.fullmatch(r"12:00\sPM", format_clock(STARTS))
        assert format_day(datetime(2027, 1, 15, 3, 0), "long") == "January 14, 2027"


def test_templates_use_these_helpers_not_flask_babels(app):
    filters = app.jinja_env.filters
    assert filters["datetimeformat"] is not flask_babel.format_datetime
    assert filters["dateformat"] is not flask_babel.format_date
    assert filters["timeformat"] is not flask_babel.format_time
    source = ('{{ t|datetimeformat("long") }}|{{ t|datetimeformat }}|{{ t|dateformat }}|'
              '{{ t|timeformat("short") }}|{{ t|timerange(e) }}|{{ "2026-11"|monthformat }}')
    with app.test_request_context(), force_locale("fr"):
        text = render_template_string(source, t=STARTS, e=ENDS)
    long_moment, medium_moment, day, clock, span, month = text.split("|")
    assert long_moment == "14 janvier 2027, 18:00"
    assert medium_moment == "14 janv. 2027, 18:00" and day == "14 janv. 2027"
    assert clock == "18:00"
    assert re.fullmatch(r"jeudi 14 janvier 2027, 18:00\s?–\s?19:30", span)
    assert month == "Novembre 2026"


def test_email_is_in_the_recipients_language_and_the_programmes_zone(app):
    session = SimpleNamespace(starts_at=STARTS, ends_at=ENDS, place="Salle 2", video_link="",
                              module=SimpleNamespace(title="Accueillir"))
    user = SimpleNamespace(name="Amina")
    # The request that triggers the email is in English; the recipient reads French.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        message = render_message("amina@example.org", "Rappel", "reminder_session_tomorrow",
                                 locale="fr", user=user, session=session)
        award = render_message("amina@example.org", "Invitation", "award_invitation",
                               locale="uk", user=user, cycle=SimpleNamespace(
                                   year=2027, ceremony_at=STARTS, ceremony_place="Mairie"))
    text = message.get_body(("plain",)).get_content()
    assert re.search(r"jeudi 14 janvier 2027, 18:00\s?–\s?19:30", text), text
    assert_clean(text, "fr")
    award_text = award.get_body(("plain",)).get_content()
    assert "четвер, 14 січня 2027" in award_text and "18:00" in award_text
    assert_clean(award_text, "uk")


def test_a_message_about_a_day_names_it_in_words(app, make_user):
    account = make_user("resident")
    start = date(2026, 11, 2)
    with app.app_context():
        db.session.add(Commitment(user_id=account.id, role="mentor", current_role="mentor",
                                  status="active", start_date=start, end_date=date(2027, 5, 2),
                                  min_months=6))
        db.session.commit()
    with app.test_request_context(), force_locale("fr"):
        user = db.session.get(User, account.id)
        with pytest.raises(hours_services.HoursError) as error:
            hours_services.log_hours(user, token="t", day=date(2026, 11, 1), minutes=60,
                                     activity="event", match_id=None, note="",
                                     today=date(2026, 12, 1))
        message = str(error.value)
    assert "2 novembre 2026" in message and "2026-11-02" not in message


def test_the_hours_page_names_its_month(app, client, make_user):
    account = make_user("resident", locale="fr")
    with app.app_context():
        db.session.add(Commitment(user_id=account.id, role="mentor", current_role="mentor",
                                  status="active", start_date=date(2026, 9, 1),
                                  end_date=date(2027, 3, 1), min_months=6))
        db.session.commit()
    log_in(client, account)
    html = page_text(client.get("/hours?month=2026-11"))
    assert re.search(r'<h2 id="month-title">Novembre 2026</h2>', html), html


def test_the_partner_page_counts_passes_by_local_month_with_names(app, client, make_user):
    staff = make_user("partner")
    holder = make_user("resident")
    with app.app_context():
        partner = Partner(name="Musée", kind="museum")
        db.session.add(partner)
        db.session.flush()
        db.session.add(PartnerStaff(partner_id=partner.id, user_id=staff.id))
        perk = Perk(partner_id=partner.id, titles={"en": "Free entry"}, stock=10,
                    per_volunteer=5, valid_from=date(2026, 10, 1),
                    valid_until=date(2026, 12, 31))
        db.session.add(perk)
        db.session.flush()
        # 23:30 UTC on 31 October is 00:30 on 1 November in Paris: a November visit.
        for used_at in (datetime(2026, 10, 31, 23, 30), datetime(2026, 11, 15, 10, 0),
                        datetime(2026, 10, 3, 9, 0)):
            db.session.add(Pass(perk_id=perk.id, user_id=holder.id, status="redeemed",
                                expires_on=date(2026, 12, 31), redeemed_at=used_at))
        db.session.commit()
    log_in(client, staff)
    html = page_text(client.get("/partner"))
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td>(\d+)</td></tr>', html)
    assert rows == [("November 2026", "2"), ("October 2026", "1")]
    assert "2026-11" not in html and "2026-10" not in html
    assert not SECONDS.search(html)
    assert re.search(r"Nov 1, 2026, 12:30\sAM", html)


# The rule stays in one place ----------------------------------------------------------

FORMATTERS = {"format_date", "format_datetime", "format_time", "format_skeleton",
              "format_interval"}
ALLOWED = {Path("mentorship/formatting.py")}


def formatter_uses(path):
    """Where a module formats dates itself with Babel or Flask-Babel."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask_babel", "babel.dates"):
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name in FORMATTERS or alias.name == "*"]
        elif isinstance(node, ast.ImportFrom) and node.module == "babel":
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name == "dates"]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names
                      if alias.name == "babel.dates"]
        elif (isinstance(node, ast.Attribute) and node.attr in FORMATTERS
              and isinstance(node.value, ast.Name)
              and node.value.id in ("flask_babel", "dates", "babel")):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return found


def test_only_the_formatting_module_formats_dates():
    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in sorted((root / "mentorship").rglob("*.py")):
        relative = path.relative_to(root)
        if relative in ALLOWED:
            continue
        offenders += [f"{relative}:{line} {name}" for line, name in formatter_uses(path)]
    assert offenders == [], ("Format dates with mentorship.formatting, not directly: "
                             + ", ".join(offenders))
    assert formatter_uses(root / "mentorship/formatting.py")  # the scan does see imports
