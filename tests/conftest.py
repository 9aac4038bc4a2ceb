"""Shared fixtures: a real database (a SQLite file, or PostgreSQL via DATABASE_URL),
the app, a client, a user factory and a way to log in as any role."""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from mentorship import create_app
from mentorship.accounts.models import LanguageSkill, User, UserRole
from mentorship.demo import DEMO_PASSWORD
from mentorship.extensions import db
from mentorship.programme.services import get_settings
from mentorship.volunteering.services import ensure_roles


def _database_of_this_worker(url):
    """Under pytest-xdist (make test runs two workers) each worker gets its own PostgreSQL
    database, created on first use; subprocesses the tests start inherit it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    base = make_url(url)
    if base.database.endswith(f"_{worker}"):
        # A process a test started (spawn) imports this module again with the worker's
        # database already in DATABASE_URL: it uses that one, never a "_gw0_gw0".
        return url
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = text("SELECT 1 FROM pg_database WHERE datname = :name")
        if conn.scalar(exists, {"name": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    os.environ["DATABASE_URL"] = url
    return url


POSTGRES_URL = _database_of_this_worker(os.environ.get("DATABASE_URL", ""))
USING_POSTGRES = POSTGRES_URL.startswith("postgresql")
PASSWORD = DEMO_PASSWORD

# The performance budget of a page (issue 17): at most this many SQL statements, the same
# whatever the data size, and at most this much HTML. bench/load.py checks the same.
MAX_QUERIES = 8
MAX_BYTES = 30 * 1024

# A test about one database's own behaviour skips visibly on the other (shown as "skipped"
# with this reason under -ra), never returns early and passes without checking anything.
sqlite_only = pytest.mark.skipif(USING_POSTGRES, reason="SQLite only: DATABASE_URL is PostgreSQL")
postgres_only = pytest.mark.skipif(
    not USING_POSTGRES, reason="PostgreSQL only: run with DATABASE_URL (make test-postgres)")


def database_url(tmp_path):
    return POSTGRES_URL if USING_POSTGRES else f"sqlite:///{tmp_path / 'test.sqlite3'}"


# On PostgreSQL, whether this process's database holds exactly the models' tables, made by
# create_all (then the next test only empties them: TRUNCATE is four times faster than
# dropping and creating sixty tables, a minute and a half of CI).
_tables_are_the_models = False


def reset_schema(app):
    """Start from an empty database (a new file on SQLite, an empty schema on PostgreSQL)."""
    global _tables_are_the_models
    _tables_are_the_models = False
    with app.app_context():
        if USING_POSTGRES:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        db.engine.dispose()


def fresh_tables(app):
    """The models' tables, empty, with the rows the first migration creates."""
    global _tables_are_the_models
    with app.app_context():
        if USING_POSTGRES and _tables_are_the_models:
            names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            reset_schema(app)
            db.create_all()
            _tables_are_the_models = True
        ensure_roles()
        get_settings()  # the row the first migration creates
        db.session.commit()


def make_app(tmp_path, **overrides):
    config = {"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url(tmp_path)}
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app_factory(tmp_path):
    """Make apps on this test's database; ``fresh`` empties it and creates the tables.

    Every engine is disposed at the end so no connection outlives the test.
    """
    apps = []

    def factory(fresh=True, tables=True, **overrides):
        app = make_app(tmp_path, **overrides)
        apps.append(app)
        if fresh and tables:
            fresh_tables(app)
        elif fresh:
            reset_schema(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def empty_app(app_factory):
    """An app on a database with no tables at all (for migration tests)."""
    return app_factory(tables=False)


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    return app.extensions.setdefault("outbox", [])


@pytest.fixture
def make_user(app):
    """Create a user with the given roles; returns its id, email and password."""
    counter = iter(range(1, 10_000))

    def make(*roles, name=None, email=None, locale="en", languages=(), password=PASSWORD):
        number = next(counter)
        with app.app_context():
            user = User(
                name=name or f"Person {number}",
                email=(email or f"person{number}-{'-'.join(roles) or 'none'}@example.org").lower(),
                locale=locale,
            )
            user.set_password(password)
            user.roles = [UserRole(role=role) for role in roles]
            user.languages = [LanguageSkill(language=c, level=lvl) for c, lvl in languages]
            db.session.add(user)
            db.session.commit()
            return Account(user.id, user.email, password, user.name)

    return make


class Account:
    def __init__(self, id, email, password, name):
        self.id, self.email, self.password, self.name = id, email, password, name


def log_in(client, account, remember=False):
    response = client.post(
        "/login",
        data={"email": account.email, "password": account.password,
              "remember": "y" if remember else ""},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client, make_user):
    """Log the test client in as a new user holding ``roles``; returns the account."""

    def login(*roles, **kwargs):
        account = make_user(*roles, **kwargs)
        log_in(client, account)
        return account

    return login


@contextlib.contextmanager
def count_queries(app):
    """Count the SQL statements run inside the block (``counter.count``)."""

    class Counter:
        count = 0
        statements = []

    counter = Counter()

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            counter.count += 1
            counter.statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


def csrf_token_from(html):
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if not match:
        match = re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def page_text(response):
    return response.get_data(as_text=True)


def without_token_times(html):
    """The page with each CSRF token cut to the secret it signs.

    A token carries the second it was signed in, so two pages asked for a second apart
    differ there even when they say the same thing.
    """
    return re.sub(r"(Ij[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", r"\1", html)


@pytest.fixture
def make_module(app):
    """Create a training module (required for the given roles); returns its id."""

    def make(title="Welcoming newcomers", roles=("mentor", "language_buddy", "housing_helper"),
             kind="in_person", quiz="", pass_mark=80, optional=()):
        from mentorship.training.models import ModuleRole, TrainingModule
        from mentorship.training.services.content import parse_quiz

        with app.app_context():
            module = TrainingModule(title=title, summary="A short module.",
                                    content="# Hello\n\nRead this.", kind=kind,
                                    quiz=parse_quiz(quiz)[0], quiz_source=quiz,
                                    pass_mark=pass_mark)
            module.roles = [ModuleRole(role=r, required=True) for r in roles] + [
                ModuleRole(role=r, required=False) for r in optional]
            db.session.add(module)
            db.session.commit()
            return module.id

    return make


def page_cost(app, client, path):
    """``(counter, response)`` of one GET that must answer 200: its SQL statements
    (``count_queries``) and what it sent."""
    with count_queries(app) as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter, response


def assert_within_budget(app, client, path, add_more):
    """The page costs at most MAX_QUERIES statements, the same after ``add_more()`` has
    added rows, and stays under MAX_BYTES then; returns its text."""
    few, _response = page_cost(app, client, path)
    assert few.count <= MAX_QUERIES, "\n".join(s[:150] for s in few.statements)
    add_more()
    many, response = page_cost(app, client, path)
    assert many.count == few.count, many.statements
    assert len(response.data) <= MAX_BYTES, (path, len(response.data))
    return page_text(response)


@contextlib.contextmanager
def throwaway_redis():
    """A Redis server of its own on a free local port, for as long as the block runs;
    yields its URL (shared rate limits: two app instances or two app servers)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed (make system-packages installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
