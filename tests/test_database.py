"""The "lock, check, change" helper under concurrent writers on a real database."""

import multiprocessing
import threading

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text, update
from sqlalchemy.exc import OperationalError

from mentorship.database import conditional_update, locked
from mentorship.extensions import db
from tests.conftest import database_url, postgres_only, sqlite_only

# A scratch table outside the app's metadata (so the migration check is unaffected).
scratch = MetaData()
counter = Table("scratch_counter", scratch, Column("id", Integer, primary_key=True),
                Column("value", Integer, nullable=False))
WORKERS, ROUNDS = 4, 25


def _prepare(app):
    with app.app_context():
        scratch.drop_all(db.engine)
        scratch.create_all(db.engine)
        db.session.execute(insert(counter).values(id=1, value=0))
        db.session.commit()


def _increment_many(app, rounds):
    """One worker: read the value, then write value + 1, many times (a lost-update trap)."""
    with app.app_context():
        try:
            for _ in range(rounds):
                current = locked(select(counter.c.value).where(counter.c.id == 1)).scalar_one()
                db.session.execute(
                    update(counter).where(counter.c.id == 1).values(value=current + 1))
                db.session.commit()
        finally:  # even after a failure: no connection outlives the worker
            db.session.remove()
            db.engine.dispose()


def make_app_from_url(url):
    from mentorship import create_app

    # A generous busy timeout: on a loaded machine a worker may wait its turn a while.
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url,
                       "SQLITE_BUSY_TIMEOUT_MS": 60_000})


def _worker(url, rounds, errors):
    try:
        _increment_many(make_app_from_url(url), rounds)
    except Exception as error:  # reported to the parent, which fails the test with it
        errors.put(repr(error))


def _value(app):
    with app.app_context():
        value = db.session.execute(select(counter.c.value)).scalar_one()
        db.session.rollback()
        return value


@sqlite_only
def test_sqlite_connection_settings(app):
    with app.app_context():
        connection = db.session.connection()
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == (
            app.config["SQLITE_BUSY_TIMEOUT_MS"])
        db.session.rollback()


def test_concurrent_processes_lose_no_update(tmp_path, app):
    _prepare(app)
    url = database_url(tmp_path)
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    workers = [context.Process(target=_worker, args=(url, ROUNDS, errors))
               for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=240)
    reported = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
    assert reported == []
    assert [worker.exitcode for worker in workers] == [0] * WORKERS
    assert _value(app) == WORKERS * ROUNDS


def test_concurrent_threads_lose_no_update(tmp_path, app):
    _prepare(app)
    url = database_url(tmp_path)
    errors = []
    # Every app is built here, before any thread starts: building one compiles the URL rules'
    # code from ASTs, and CPython 3.11 compiling in several threads at once can fail with
    # "SystemError: AST constructor recursion depth mismatch" (a flake, not a lost update).
    apps = [make_app_from_url(url) for _ in range(WORKERS)]

    def run(worker_app):
        try:
            _increment_many(worker_app, ROUNDS)
        except Exception as error:  # reported below: a worker must not fail
            errors.append(error)

    threads = [threading.Thread(target=run, args=(worker_app,)) for worker_app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert _value(app) == WORKERS * ROUNDS


def test_conditional_update_changes_only_while_the_condition_holds(app):
    _prepare(app)
    with app.app_context():
        statement = update(counter).where(counter.c.id == 1, counter.c.value == 0).values(value=1)
        assert conditional_update(statement) == 1
        assert conditional_update(statement) == 0
        db.session.commit()
    assert _value(app) == 1


@postgres_only
def test_locked_rows_stay_locked_until_the_transaction_ends(app):
    """On PostgreSQL locked() takes row locks (FOR UPDATE) that another writer must wait for."""
    _prepare(app)
    grab = text("SELECT value FROM scratch_counter WHERE id = 1 FOR UPDATE NOWAIT")
    with app.app_context():
        locked(select(counter.c.value).where(counter.c.id == 1)).scalar_one()
        with db.engine.connect() as other, pytest.raises(OperationalError,
                                                         match="could not obtain lock"):
            other.execute(grab)
        db.session.rollback()
        with db.engine.connect() as other:
            assert other.execute(grab).scalar_one() == 0


@sqlite_only
def test_get_requests_do_not_take_the_write_lock(tmp_path, app):
    """A reader (GET) is not blocked by a writer holding SQLite's write lock."""
    import sqlite3

    path = database_url(tmp_path).removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100
        response = app.test_client().get("/health")
        assert response.status_code == 200
    finally:
        writer.execute("ROLLBACK")
        writer.close()
