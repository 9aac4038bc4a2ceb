"""Figures and public pages served from memory until the database changes.

What is kept: plain data, never database objects. The public figures of a year
(``figures.published``: small numbers are hidden *before* anything is kept, so the cache
holds only what anyone may see), the years, the list of published reports, the milestone
banner, and the coordinator's home (``coordination.dashboard.home``: the same for every
coordinator). Nothing about the person asking; words are not kept with the figures: a
page puts its own words on them in the reader's language.

How fresh: exact. A kept value is counted again as soon as anything was written to the
database, by this process or by any other (another worker, the second app server, a
command):
- this process: every transaction that writes and commits is counted
  (``database.track_writes``: ORM flushes, ``conditional_update`` and bulk statements);
- others, on SQLite: ``PRAGMA data_version`` on the request's connection changes when
  another connection committed (SQLite's own counter, free: no table is read);
- others, on PostgreSQL: every process counts its writing transactions in one row
  (``database.data_changes``), bumped in the same transaction just before COMMIT and
  read with the programme's settings (no extra round trip).
Looked at once per request. ``MAX_AGE`` is only a backstop (values keyed by today's date
need no more). Over-counting is harmless: a write that feeds no figure costs one
recomputation.

Whole pages (``/impact`` and ``/`` for someone not signed in): see ``public_page``.
"""

import hashlib
import time
import weakref
from functools import partial

from flask import current_app, g, render_template, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from ..database import committed_writes, database_changes, is_sqlite
from ..extensions import db

MAX_AGE = 60  # seconds a kept value may serve at most (a backstop: changes are seen at once)
MAX_ENTRIES = 256  # the most values kept (years × locales × paths): beyond, start again


class _Store:
    """What one process keeps for one database."""

    def __init__(self):
        self.entries = {}
        self.generation = 0  # bumped by forget() and when another process wrote
        self.seen = None  # the other processes' mark last seen (data_version, count)

    def version(self):
        return committed_writes(), self.generation


# One store per engine: each app (each test's app) and database has its own.
_stores = weakref.WeakKeyDictionary()


def _store():
    return _stores.setdefault(db.engine, _Store())


def _look_for_changes(store):
    """Note whether another connection committed a write since this process last looked
    (once per request; see the module's docstring)."""
    if g.get("_changes_looked_at"):
        return
    g._changes_looked_at = True
    if is_sqlite():
        connection = db.session.connection()
        seen = connection.exec_driver_sql("PRAGMA data_version").scalar()
        # .info belongs to the pooled DBAPI connection: it outlives this checkout.
        if connection.info.get("data_version") != seen:
            connection.info["data_version"] = seen
            store.generation += 1
        return
    seen = database_changes()
    if seen != store.seen:
        store.seen = seen
        store.generation += 1


def remembered(key, compute):
    """``compute()``'s value, kept under ``key`` until anything is written to the
    database (here or elsewhere) or MAX_AGE seconds."""
    store = _store()
    _look_for_changes(store)
    version, now = store.version(), time.monotonic()
    hit = store.entries.get(key)
    if hit is not None and hit[0] == version and now - hit[1] < MAX_AGE:
        return hit[2]
    value = compute()  # kept under the version read *before* counting: a change
    if len(store.entries) >= MAX_ENTRIES:  # committed meanwhile makes it stale at once
        store.entries.clear()
    store.entries[key] = (version, now, value)
    return value


def forget():
    """Drop everything kept for this database (tests, and after a restore)."""
    store = _store()
    store.generation += 1
    store.entries.clear()


# Whole public pages ------------------------------------------------------------------

# What the page says where the reader's CSRF token goes; the token is put in per request.
TOKEN_MARK = "\x00csrf-token\x00"  # noqa: S105  # nosec B105  (a placeholder, not a secret)


def public_page(key, template_name, context):
    """A public page for someone not signed in, from memory; None when it must be rendered
    the ordinary way (a signed-in reader, messages waiting to be shown, an HTMX fragment).

    Caching and the CSRF token: every page carries the reader's token (the language
    switcher, ``hx-headers`` in base.html). The page is rendered once per path and locale
    with a mark where the token goes, and each response gets the reader's own token put
    in. So the body is personal: ``Cache-Control: private, no-cache`` (never ``public``:
    a shared cache would hand one visitor's token to another), with a weak ETag over the
    page as kept and the reader's session token (the signed token Flask-WTF writes differs
    every second for the same session token, and any of them is valid: hence weak). A
    browser revalidates with If-None-Match and gets 304 with no body while neither the
    figures, the words nor its session token changed. A signed-in reader's page names them
    and is never stored by the browser (``private, no-store``, web.set_security_headers).
    """
    if not cacheable():
        return None
    full_key = ("page", key, request.full_path, str(get_locale()))
    kept = remembered(full_key, partial(_render_with_mark, template_name, context))
    if kept is None:
        return None
    html, digest = kept
    token = generate_csrf()
    raw = session.get(_token_field(), "")
    etag = hashlib.sha256(f"{digest}:{raw}".encode()).hexdigest()[:32]
    return html.replace(TOKEN_MARK, token), etag


def cacheable():
    from flask_login import current_user

    from ..web import is_htmx_fragment_request

    return (not current_user.is_authenticated and not session.get("_flashes")
            and not is_htmx_fragment_request() and _token_field() not in g)


def _token_field():
    """Where Flask-WTF keeps the session's token (in the session) and this request's (g)."""
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _render_with_mark(template_name, context):
    html = render_template(template_name, csrf_token=lambda: TOKEN_MARK, **context())
    if _token_field() in g:
        # Something on the page asked Flask-WTF for the real token (a macro imported
        # without context, say): this page names its reader, so it is never kept.
        return None
    return html, hashlib.sha256(html.encode()).hexdigest()
