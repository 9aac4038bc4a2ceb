"""Request/response plumbing shared by every blueprint: fragments, redirects,
security headers and error pages.

Status-code policy for forms: an invalid submission answers 422 with the form
re-rendered (errors next to fields, values kept), for HTMX and plain posts alike;
htmx is configured (base.html) to swap 422 like a 200. Other errors on an HTMX
request answer with their real status and a message retargeted to the page's
#messages region, so nothing the user typed is replaced.
"""

import json
import re
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from jinja2_fragments import BlockNotFoundError
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from .errors import DomainError
from .extensions import db
from .formtools import DB_INT_MAX, attach_error
from .i18n import gettext as _
from .i18n import lazy_gettext as _l

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

ERROR_MESSAGES = {
    400: (_l("Bad request"), _l("We could not understand what was sent. Please try again.")),
    403: (_l("Not allowed"), _l("Your account does not give you access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist or has been moved.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    413: (_l("Too large"), _l("What you sent is too large. Please send something smaller.")),
    429: (
        _l("Too many attempts"),
        _l("There have been too many attempts. Please wait 15 minutes and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("Something went wrong on our side. Your change was not saved; please try again."),
    ),
}


class IdConverter(IntegerConverter):
    """``<int:…>`` in every URL: a number beyond what the database stores is a 404,
    never a query that overflows."""

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def db_int(value):
    """``type=`` for ``request.args.get``/``request.form.get``: a whole number the
    database can store, else ValueError (so the caller's default applies)."""
    number = int(value)
    if not -DB_INT_MAX - 1 <= number <= DB_INT_MAX:
        raise ValueError(value)
    return number


def db_ids(values):
    """The ids among posted values (checkboxes): whole numbers the database can store."""
    ids = []
    for value in values:
        with suppress(ValueError):
            if value.isdecimal():
                ids.append(db_int(value))
    return ids


# Longer than any query argument this site makes: a search box, a page number, a month.
MAX_ARGUMENT_LENGTH = 500
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def refuse_unstorable_input():
    """No request reaches a view with NUL bytes (PostgreSQL refuses them in text) or
    with control characters or absurd lengths in its query; forms clean the rest."""
    for key, value in request.args.items(multi=True):
        if (len(value) > MAX_ARGUMENT_LENGTH or _CONTROL_CHARACTERS.search(value)
                or _CONTROL_CHARACTERS.search(key)):
            abort(400)
    if request.method not in ("GET", "HEAD") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def is_htmx_fragment_request():
    """An HTMX request that wants a piece of a page, not a whole page."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


# Regions of base.html: never rendered alone (they need the whole page around them).
LAYOUT_BLOCKS = frozenset({"title", "head", "nav_items", "content"})


def render(template_name, status=200, block=None, **context):
    """Render a page, or only the block named by HX-Target (ids use - where blocks use _)."""
    if block is None and is_htmx_fragment_request() and request.htmx.target:
        block = request.htmx.target.replace("-", "_")
        if block in LAYOUT_BLOCKS:
            block = None
    if block is not None and is_htmx_fragment_request():
        try:
            return render_block(template_name, block, **context), status
        except BlockNotFoundError:
            pass
    return render_template(template_name, **context), status


def form_status(form):
    return 422 if form.errors else 200


def attachment(body, filename, mimetype):
    """A download (CSV, calendar, JSON): ``body`` is text, bytes or an iterable of
    text that streams while the request's context is kept."""
    if not isinstance(body, str | bytes):
        body = stream_with_context(body)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def safe_next(target, default="main.home"):
    """Return ``target`` if it is a path on this site, else the URL of ``default``."""
    if target and target.isascii() and not _CONTROL_CHARACTERS.search(target):
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for(default)


def redirect_to(location, code=303):
    """Redirect; an HTMX request gets HX-Redirect so the whole page changes."""
    if request.htmx:
        return "", 204, {"HX-Redirect": location}
    return redirect(location, code=code)


def htmx_message(message, category, status):
    """A message for an HTMX request, swapped into the page's #messages region (with any
    message already queued for this response)."""
    messages = [*take_messages(), (category, message)]
    html = render_template("_messages.html", messages=messages)
    return html, status, {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}


def take_messages():
    """The messages queued (flashed) and not yet shown by a page, removed from the queue.

    Flask keeps them in the session until a template reads them; one that a template
    already showed is not in the queue any more, so nothing is shown twice.
    """
    return session.pop("_flashes", [])


# Responses that send the browser elsewhere: queued messages wait for the next page.
_NAVIGATING_HEADERS = ("HX-Redirect", "HX-Location", "HX-Refresh")


def deliver_messages(response):
    """Messages queued during a request reach the person in the response it causes.

    A full page shows them in its #messages region when it renders, and a redirect
    keeps them for the page it leads to (Flask's flash). An HTMX fragment gets them
    appended out of band, so "Your hours are saved" appears now, not on the next page.
    """
    if (
        not is_htmx_fragment_request()
        or response.mimetype != "text/html"
        or response.is_streamed
        or response.status_code == 204
        or 300 <= response.status_code < 400
        or response.headers.get("HX-Retarget") == "#messages"
        or any(header in response.headers for header in _NAVIGATING_HEADERS)
    ):
        return response
    messages = take_messages()
    if messages:
        oob = render_template("_messages.html", messages=messages, out_of_band=True)
        response.set_data(response.get_data() + oob.encode())
    return response


@dataclass
class Outcome:
    """What ``perform`` did: truthy when the change was committed."""

    result: Any = None
    error: DomainError | None = None

    def __bool__(self):
        return self.error is None


def perform(action, *args, form=None, success=None, **kwargs):
    """Run one service call as the request's transaction.

    On success: commit, and queue ``success`` for the person (see ``deliver_messages``).
    On a refusal (``DomainError``): roll back everything, then show the message next to
    its field on ``form`` (or at the top of the form), or, without a form, among the
    page's messages. The view then re-renders or redirects; ``Outcome.error.status``
    is the status to answer with.
    """
    try:
        result = action(*args, **kwargs)
        db.session.flush()  # a limit checked at flush is refused here, next to its field
    except DomainError as error:
        db.session.rollback()
        if form is not None:
            attach_error(form, error)
        else:
            flash(str(error), "error")
        return Outcome(error=error)
    db.session.commit()
    if success:
        flash(success, "success")
    return Outcome(result=result)


def act(location, action, *args, **kwargs):
    """``perform`` a change made without a form, then back to ``location``: a redirect
    when it worked, the refusal (see ``refusal``) when it did not."""
    done = perform(action, *args, **kwargs)
    return redirect_to(location) if done else refusal(done, location)


def refusal(outcome, location):
    """The answer to a refused change made without a form: for HTMX, the message in
    #messages with the refusal's status; otherwise back to ``location``, message kept."""
    if request.htmx:
        html = render_template("_messages.html", messages=take_messages())
        headers = {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
        return html, outcome.error.status, headers
    return redirect(location, code=303)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS_MAX_AGE"):
        headers.setdefault("Strict-Transport-Security",
                           f"max-age={int(current_app.config['HSTS_MAX_AGE'])}")
    if request.endpoint == "static":
        return response  # the same for everyone: assets.py says how long to keep it
    response.vary.add("HX-Request")
    response.vary.add("Cookie")
    if response.mimetype == "text/html" or current_user.is_authenticated:
        # Pages and anything personal (exports, calendars) stay out of shared caches;
        # a page answered by ``revalidated`` may be kept by the browser, and checked.
        response.cache_control.private = True
        if not response.cache_control.no_cache:
            response.cache_control.no_store = True
    return response


def revalidated(html, etag):
    """A public page the reader's browser may keep and must check before each use
    (``private, no-cache`` with a weak ETag; see reports/cache.public_page for why not
    ``public``): a conditional GET whose If-None-Match still matches gets 304, no body."""
    response = make_response(html)
    response.set_etag(etag, weak=True)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def handle_refusal(error):
    """A refusal no view caught (a limit checked at flush, say): its message, never a 500."""
    db.session.rollback()
    if request.htmx:
        return htmx_message(str(error), "error", error.status)
    title = _("Nothing was changed")
    return render_template("errors/error.html", code=error.status, title=title,
                           message=str(error)), error.status


def handle_http_error(error):
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    title, message = ERROR_MESSAGES.get(code, ERROR_MESSAGES[500 if code >= 500 else 400])
    if request.htmx:
        return htmx_message(message, "error", code)
    return render_template("errors/error.html", code=code, title=title, message=message), code


SECRET_FIELDS = ("password", "confirm")


def _same_origin():
    """The failed post came from one of our own pages (not from another site)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin") or request.referrer or ""
    return urlsplit(origin).netloc == request.host


def handle_csrf_error(error):
    """A stale or missing CSRF token: explain, keep what was typed, offer to send again.

    Only for a form posted from this site: a post from elsewhere gets a plain refusal,
    never a page that would re-send it with a valid token.
    """
    message = _(
        "This page was open for a long time, so for your safety it was renewed. "
        "Nothing was saved yet: please check and send it again."
    )
    if not _same_origin():
        return handle_http_error(BadRequest())
    if request.htmx:
        body, status, headers = htmx_message(message, "warning", 400)
        headers["HX-Trigger"] = json.dumps({"csrf-refresh": {"token": generate_csrf()}})
        return body, status, headers
    fields = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != "csrf_token" and not any(secret in name for secret in SECRET_FIELDS)
    ]
    password_fields = sorted(
        {name for name in request.form if any(secret in name for secret in SECRET_FIELDS)})
    return (
        render_template(
            "errors/csrf.html",
            message=message,
            fields=fields,
            password_fields=password_fields,
            action=request.full_path if request.query_string else request.path,
        ),
        400,
    )


def register_web(app):
    from .assets import register_assets

    register_assets(app)
    app.after_request(set_security_headers)
    app.after_request(deliver_messages)
    app.before_request(refuse_unstorable_input)
    app.register_error_handler(DomainError, handle_refusal)
    app.register_error_handler(CSRFError, handle_csrf_error)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, handle_http_error)


def flash_success(message):
    flash(message, "success")

