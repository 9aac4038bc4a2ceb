"""Static assets with long-lived hashed URLs.

``url_for('static', filename='css/app.css')`` says ``/static/css/app.css?v=<hash of its
content>``: when the file changes, so does its URL. So a request naming the current hash
may be kept a year by any cache (``public, max-age=31536000, immutable``); one without it
(or with an old hash) gets Flask's default, short and revalidated. The hashes are
computed once, when the app starts, from the files under static/ (a deployment
restarts the app; in debug mode nothing is cached for long).
"""

import hashlib
from pathlib import Path

from flask import request

VERSION_ARG = "v"
ONE_YEAR = 31_536_000


def content_hashes(folder):
    """``{'css/app.css': '<12 hex digits>', …}`` for every file under ``folder``."""
    root = Path(folder)
    if not root.is_dir():
        return {}
    return {path.relative_to(root).as_posix():
            hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(root.rglob("*")) if path.is_file()}


def register_assets(app):
    hashes = content_hashes(app.static_folder)
    app.extensions["asset_hashes"] = hashes

    @app.url_defaults
    def add_content_hash(endpoint, values):
        if endpoint == "static" and VERSION_ARG not in values:
            digest = hashes.get(values.get("filename", ""))
            if digest:
                values[VERSION_ARG] = digest

    @app.after_request
    def cache_hashed_assets(response):
        # In debug, a file edited since the start keeps its old hash: never for a year.
        if (app.debug or request.endpoint != "static"
                or response.status_code not in (200, 304)):
            return response
        filename = (request.view_args or {}).get("filename", "")
        if request.args.get(VERSION_ARG) and request.args.get(VERSION_ARG) == hashes.get(
                filename):
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
