"""The app with an ``X-Queries`` header: the SQL statements each request ran.

    gunicorn -w 2 -b 127.0.0.1:8001 bench.counting:app

For ``bench/load.py`` only; production serves ``wsgi.py``. Statements are counted as
``tests/conftest.py:count_queries`` counts them: BEGIN, COMMIT, ROLLBACK and PRAGMA are
not counted. Sync workers serve one request at a time, so one counter per process is
enough (the counter is reset when a request starts).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from mentorship import create_app  # noqa: E402
from mentorship.extensions import db  # noqa: E402

NOT_COUNTED = ("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")


def count_queries(app):
    counter = {"n": 0}

    def before_cursor_execute(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(NOT_COUNTED):
            counter["n"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before_cursor_execute)

    def reset():
        counter["n"] = 0

    def add_header(response):
        response.headers["X-Queries"] = str(counter["n"])
        return response

    # First before_request, and the last after_request to run (Flask runs them in
    # reverse order of registration), so every statement of the request is seen.
    app.before_request_funcs.setdefault(None, []).insert(0, reset)
    app.after_request_funcs.setdefault(None, []).insert(0, add_header)
    return app


app = count_queries(create_app())
