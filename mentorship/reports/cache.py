"""The public figures, and the public pages that show them, served from memory.

What is kept: the published figures of a year (``figures.published``: small numbers are
hidden *before* anything is kept, so the cache holds only what anyone may see), the years,
the list of published reports and the milestone banner — plain data, never database
objects, never anything about the person asking. Words are not kept with the figures: a
page puts its own words on them in the reader's language (``figures.page``).

How fresh: a kept value is recomputed at most once a minute (``MAX_AGE``: what another
app server changed shows within a minute), and at once after a change this process made:
every transaction that writes anything and commits bumps a version (engine events, so it
catches ORM flushes, ``conditional_update`` and bulk statements alike). Over-counting is
harmless (a write that feeds no figure only costs one recomputation).

Whole pages (``/impact`` and ``/`` for someone not signed in): see ``public_page``.
"""

import hashlib
import time
import weakref
from functools import partial

from flask import current_app, g, render_template, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event

from ..extensions import db

MAX_AGE = 60  # seconds a kept value may serve without a change this process made
MAX_ENTRIES = 256  # the most values kept (years × locales × paths): beyond, start again
WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE")


class _Store:
    """What one process keeps for one database."""

    def __init__(self):
        self.version = 0
        self.entries = {}


# One store per engine: each app (each test's app) and database has its own.
_stores = weakref.WeakKeyDictionary()


def _note_write(conn, _cursor, statement, *_args):
    if statement.lstrip()[:8].upper().startswith(WRITES):
        conn.info["figures_changed"] = True


def _on_commit(store, conn):
    if conn.info.pop("figures_changed", False):
        store.version += 1


def _on_rollback(conn):
    conn.info.pop("figures_changed", None)


def _store():
    engine = db.engine
    store = _stores.get(engine)
    if store is None:
        store = _stores[engine] = _Store()
        event.listen(engine, "after_cursor_execute", _note_write)
        event.listen(engine, "commit", partial(_on_commit, store))
        event.listen(engine, "rollback", _on_rollback)
    return store


def remembered(key, compute):
    """``compute()``'s value, kept under ``key`` until a change or MAX_AGE seconds."""
    store = _store()
    version, now = store.version, time.monotonic()
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
    store.version += 1
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
