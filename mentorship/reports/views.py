"""Published figures (/impact), the annual report and its snapshots."""


from flask import abort, request, url_for
from flask_login import current_user

from ..dates import programme_today
from ..exports import csv_text
from ..extensions import db
from ..formtools import MAX_YEAR, MIN_YEAR
from ..i18n import gettext as _
from ..i18n import text_direction
from ..permissions import can_coordinate, requires
from ..web import (
    attachment,
    db_int,
    flash_success,
    perform,
    redirect_to,
    render,
    revalidated,
)
from . import bp, cache, figures, services
from .models import PublishedReport


def _page(data):
    """The figures as reports/_figures.html draws them, in the page's direction."""
    return figures.page(data, rtl=text_direction() == "rtl")


def _countable(year):
    """A year whose figures can be counted (a typed URL may say year 0)."""
    return year is not None and MIN_YEAR <= year <= MAX_YEAR


def _kept_figures(year, today):
    """The published figures of ``year`` and its milestone banner, kept (reports/cache)."""
    return cache.remembered(("figures", year, today),
                            lambda: figures.published_and_milestone(year, today))


def _kept_years(today):
    return cache.remembered(("years", today), lambda: services.years_with_activity(today))


def _kept_reports():
    """The latest version of each year's published report, as plain data (the report's
    own page lists its other versions)."""
    def latest_of_each_year():
        latest = {}
        for report in services.published_reports():  # newest version first
            latest.setdefault(report.year, {"year": report.year, "version": report.version,
                                            "note": report.note})
        return list(latest.values())
    return cache.remembered(("reports",), latest_of_each_year)


@bp.route("/impact")
def impact():
    today = programme_today()
    years = _kept_years(today)
    year = request.args.get("year", type=db_int) or today.year
    if year not in years:
        year = today.year

    def context():
        data, milestone = _kept_figures(year, today)
        # The banner speaks of this year: it shows beside this year's figures only.
        return {"page": _page(data), "year": year, "years": years,
                "milestone": milestone if year == today.year else None,
                "reports": _kept_reports(), "current_year": today.year}

    kept = cache.public_page(("impact", today), "reports/impact.html", context)
    if kept is not None:
        return revalidated(*kept)
    return render("reports/impact.html", **context())


@bp.route("/impact/how-we-count")
def how_we_count():
    """How every public figure is counted, on its own page (the figures' page stays
    small enough for a phone: issue 17's 30 KB, in every language)."""
    return render("reports/how_we_count.html", page=figures.how_we_count())


def _report_or_404(year):
    """The version of ``year``'s report the URL names (?version=N), else the latest."""
    version = request.args.get("version", type=db_int)
    query = db.select(PublishedReport).where(PublishedReport.year == year)
    if version:
        query = query.where(PublishedReport.version == version)
    report = db.session.scalar(query.order_by(PublishedReport.version.desc()).limit(1))
    if report is None:
        abort(404)
    return report


@bp.route("/impact/reports/<int:year>")
def published(year):
    report = _report_or_404(year)
    versions = db.session.scalars(db.select(PublishedReport).where(
        PublishedReport.year == year).order_by(PublishedReport.version)).all()
    return render("reports/report.html", page=_page(figures.from_snapshot(report.data)),
                  report=report, versions=versions, live=False)


@bp.route("/impact/reports/<int:year>.csv")
def published_csv(year):
    report = _report_or_404(year)
    return attachment(_csv(figures.from_snapshot(report.data)),
                      f"report-{year}-v{report.version}.csv", "text/csv")


@bp.route("/impact/reports/<int:year>/effects.csv")
def published_effects_csv(year):
    report = _report_or_404(year)
    return attachment(csv_text(figures.effects_csv_rows(figures.from_snapshot(report.data))),
                      f"report-{year}-v{report.version}-effects.csv", "text/csv")


def _csv(data):
    return csv_text(figures.csv_rows(data))


@bp.route("/coordinate/reports", methods=["GET", "POST"])
@requires(can_coordinate)
def coordinate_reports():
    today = programme_today()
    year = request.values.get("year", type=db_int)
    if not _countable(year):
        year = today.year - 1
    if request.method == "POST":
        done = perform(services.publish, current_user, year, request.form.get("note"))
        if done:
            flash_success(_("The report for %(year)d is published (version %(version)d).",
                            year=year, version=done.result.version))
            return redirect_to(url_for("reports.coordinate_reports", year=year))
    return render("reports/coordinate.html", page=_page(_kept_figures(year, today)[0]),
                  year=year, years=_kept_years(today), latest=services.latest_report(year),
                  live=True)


@bp.route("/coordinate/reports/<int:year>.csv")
@requires(can_coordinate)
def report_csv(year):
    if not _countable(year):
        abort(404)
    return attachment(_csv(figures.published(year)), f"figures-{year}.csv", "text/csv")


@bp.route("/coordinate/reports/<int:year>-effects.csv")
@requires(can_coordinate)
def effects_csv(year):
    if not _countable(year):
        abort(404)
    effects = {"year": year, "effects": figures.published_effects(year)}
    return attachment(csv_text(figures.effects_csv_rows(effects)), f"effects-{year}.csv",
                      "text/csv")
