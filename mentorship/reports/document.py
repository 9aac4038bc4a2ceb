"""The annual report as a document a city hands out: the page's sections, and the PDF.

Everything comes from the frozen snapshot (PublishedReport.data): figures, effects,
milestones and award winners as they were published. One thing is decided when the
document is drawn: a winner who has since withdrawn their consent (or whose account was
erased) is no longer named, in any version (reports/services.winners_named_now).

The PDF is drawn on the server by WeasyPrint from reports/report_document.html, the same
partials as the page. It fetches nothing but the app's own static files (the app runs on
closed networks, and a URL in a document must never make the server fetch it).
"""

import mimetypes
from functools import cache
from pathlib import Path
from threading import Lock
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import get_locale

from ..awards.models import CATEGORY_LABELS
from ..i18n import text_direction
from ..programme.services import get_settings
from ..web import attachment
from . import bp, figures, services
from .views import _report_or_404

# Published versions never change: their PDF is drawn once per language (and per set of
# winners still named), then served from memory. Bounded, oldest dropped first.
CACHE_SIZE = 64
_cache_lock = Lock()


def document(report, rtl=False):
    """What report.html and report_document.html show of ``report``: its figures and
    effects (figures.page), milestones and winners (None: that version did not publish
    them; ``awarded``: an award had been announced for the year)."""
    data = report.data
    winners = services.winners_named_now(report.year, data.get("winners"))
    return {
        "page": figures.page(figures.from_snapshot(data), rtl=rtl),
        "milestones": data.get("milestones"),
        "has_winners": "winners" in data,
        "awarded": data.get("winners") is not None,
        "winners": [{**winner, "label": CATEGORY_LABELS.get(winner["category"],
                                                            winner["category"])}
                    for winner in winners or ()],
    }


class RefusedFetch(ValueError):
    """WeasyPrint asked for something that is not one of the app's static files."""


def static_fetcher(folder):
    """A WeasyPrint URL fetcher serving the files under ``folder`` and nothing else: no
    network (http, https, ftp…), no other file on the disk, no data: URL."""
    return _static_fetcher_class()(Path(folder).resolve())


@cache
def _static_fetcher_class():
    # WeasyPrint takes a second to import: loaded with the first PDF, not at start-up.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFiles(URLFetcher):
        def __init__(self, root):
            super().__init__(allowed_protocols=("file",))
            self.root = root

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file" and parts.netloc in ("", "localhost"):
                path = Path(unquote(parts.path)).resolve()
                if path.is_relative_to(self.root) and path.is_file():
                    return URLFetcherResponse(path.as_uri(), path.read_bytes(), {
                        "Content-Type": mimetypes.guess_type(path.name)[0]
                        or "application/octet-stream"})
            raise RefusedFetch(f"Only the app's static files are used in a report: {url}")

    return StaticFiles


def render_pdf(html):
    """Draw ``html`` (relative links point into static/) as PDF bytes."""
    from weasyprint import HTML  # heavy: loaded on the first PDF, not at start-up

    folder = current_app.static_folder
    # Tagged: screen readers get the headings, tables and reading order of the page.
    return HTML(string=html, base_url=Path(folder).resolve().as_uri() + "/",
                url_fetcher=static_fetcher(folder)).write_pdf(pdf_tags=True)


def pdf_of(report):
    """The PDF of ``report`` in the reader's language, drawn once and kept."""
    locale = str(get_locale())
    doc = document(report, rtl=text_direction(locale) == "rtl")
    key = (report.id, locale, get_settings().name,
           tuple(winner["user_id"] for winner in doc["winners"]))
    cache = current_app.extensions.setdefault("report_pdfs", {})
    with _cache_lock:
        pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(render_template("reports/report_document.html", report=report,
                                         doc=doc))
        with _cache_lock:
            while len(cache) >= CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = pdf
    return pdf


@bp.app_template_global()
def annual_report(report):
    """The document's sections for report.html (reports.views.published renders it)."""
    return document(report, rtl=text_direction() == "rtl")


@bp.route("/impact/reports/<int:year>.pdf")
def published_pdf(year):
    report = _report_or_404(year)
    return attachment(pdf_of(report), f"annual-report-{year}-v{report.version}.pdf",
                      "application/pdf")
