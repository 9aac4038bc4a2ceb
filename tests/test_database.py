"""The "lock, check, change" helper under concurrent writers on a real database."""

import multiprocessing
import threading

from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text, update

from mentorship.database import conditional_update, locked
from mentorship.extensions import db
from tests.conftest import USING_POSTGRES, database_url

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


def _increment_many(url, rounds):
    """One worker: read the value, then write value + 1, many times (a lost-update trap)."""
    app = make_app_from_url(url)
    with app.app_context():
        for _ in range(rounds):
            current = locked(select(counter.c.value).where(counter.c.id == 1)).scalar_one()
            db.session.execute(update(counter).where(counter.c.id == 1).values(value=current + 1))
            db.session.commit()
        db.engine.dispose()


def make_app_from_url(url):
    from mentorship import create_app

    # A generous busy timeout: on a loaded machine a worker may wait its turn a while.
    return create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url,
                       "SQLITE_BUSY_TIMEOUT_MS": 60_000})


def _worker(url, rounds, errors):
    try:
        _increment_many(url, rounds)
    except Exception as error:  # reported to the parent, which fails the test with it
        errors.put(repr(error))


def _value(app):
    with app.app_context():
        value = db.session.execute(select(counter.c.value)).scalar_one()
        db.session.rollback()
        return value


def test_sqlite_connection_settings(app):
    if USING_POSTGRES:
        return
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

    def run():
        try:
            _increment_many(url, ROUNDS)
        except Exception as error:  # reported below: a worker must not fail
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
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


def test_get_requests_do_not_take_the_write_lock(tmp_path, app):
    """A reader (GET) is not blocked by a writer holding SQLite's write lock."""
    if USING_POSTGRES:
        return
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
