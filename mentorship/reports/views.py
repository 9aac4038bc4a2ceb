"""Published figures (/impact), the annual report and its snapshots."""

import csv
import io

from flask import Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..dates import programme_today
from ..extensions import db
from ..permissions import can_coordinate, requires
from ..web import flash_success, redirect_to, render
from . import bp, services
from .models import PublishedReport


@bp.route("/impact")
def impact():
    today = programme_today()
    years = services.years_with_activity(today)
    year = request.args.get("year", type=int) or today.year
    if year not in years:
        year = today.year
    return render("reports/impact.html", figures=services.year_figures(year), year=year,
                  years=years, milestone=services.reached_milestone(today.year),
                  reports=services.published_reports(), current_year=today.year)


@bp.route("/impact/reports/<int:year>")
def published(year):
    version = request.args.get("version", type=int)
    query = db.select(PublishedReport).where(PublishedReport.year == year)
    if version:
        query = query.where(PublishedReport.version == version)
    report = db.session.scalar(query.order_by(PublishedReport.version.desc()).limit(1))
    if report is None:
        abort(404)
    versions = db.session.scalars(db.select(PublishedReport).where(
        PublishedReport.year == year).order_by(PublishedReport.version)).all()
    return render("reports/report.html", figures=report.data, report=report,
                  versions=versions, live=False)


@bp.route("/impact/reports/<int:year>.csv")
def published_csv(year):
    report = services.latest_report(year) or abort(404)
    return _csv(report.data, f"report-{year}-v{report.version}.csv")


def _csv(figures, filename):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(services.csv_rows(figures))
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/coordinate/reports", methods=["GET", "POST"])
@requires(can_coordinate)
def coordinate_reports():
    today = programme_today()
    year = request.values.get("year", type=int) or today.year - 1
    if request.method == "POST":
        try:
            report = services.publish(current_user, year, request.form.get("note"))
        except services.ReportError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash_success(_("The report for %(year)d is published (version %(version)d).",
                            year=year, version=report.version))
            return redirect_to(url_for("reports.coordinate_reports", year=year))
    return render("reports/coordinate.html", figures=services.year_figures(year), year=year,
                  years=services.years_with_activity(today), latest=services.latest_report(year),
                  reports=services.published_reports(), live=True)


@bp.route("/coordinate/reports/<int:year>.csv")
@requires(can_coordinate)
def report_csv(year):
    return _csv(services.year_figures(year), f"figures-{year}.csv")
