"""Database set-up and the one helper for "lock, check, change".

SQLite: the driver's own implicit transactions are turned off and SQLAlchemy emits
BEGIN itself (SQLAlchemy's documented pysqlite recipe). Any transaction that may
write starts with ``BEGIN IMMEDIATE``, which takes SQLite's write lock up front, so
two workers can never both read a value and then both write a change based on it:
the second waits (busy timeout) and then reads the first one's result.

A transaction writes when it runs inside a state-changing HTTP request (POST, PUT,
PATCH, DELETE) or outside any request (CLI commands, the sweep, tests calling
services). GET requests read in a plain deferred transaction, so readers never wait.

PostgreSQL: ``locked()`` adds ``SELECT … FOR UPDATE`` so the rows read are locked
until the commit.
"""

import weakref
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import g, has_request_context, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import BigInteger, Integer, String, event, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import DomainError
from .extensions import db
from .i18n import lazy_gettext as _l

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utcnow():
    """The current time in UTC, as a naive datetime (how every timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _transaction_may_write():
    if has_request_context():
        return request.method not in SAFE_METHODS
    return True


def configure_sqlite(engine, busy_timeout_ms):
    """Apply WAL, foreign keys, a busy timeout and explicit BEGIN [IMMEDIATE]."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        # SQLite's lower() only folds ASCII; searches on names in any script use this.
        dbapi_connection.create_function("casefold", 1, _casefold, deterministic=True)

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _transaction_may_write() else "BEGIN")


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def folded(expression):
    """``expression`` case-folded in SQL, for any script (Cyrillic, Arabic, accents)."""
    if is_sqlite():
        return func.casefold(expression)
    return func.lower(expression)


# Writes, counted (reports/cache.py keeps figures until the database changes) ------------

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "TRUNCATE")

# PostgreSQL: one row counts the transactions that wrote and committed, by any process
# (another worker, the second app server, a command). The bump is the last statement
# before COMMIT, in the same transaction, so whoever reads the new count also sees what
# was written with it; a database without the table yet (during migrations) skips it.
data_changes = db.Table(
    "data_changes",
    db.Column("id", Integer, primary_key=True, autoincrement=False),
    db.Column("version", BigInteger, nullable=False),
)
_BUMP = """DO $$ BEGIN
  INSERT INTO data_changes (id, version) VALUES (1, 1)
  ON CONFLICT (id) DO UPDATE SET version = data_changes.version + 1;
EXCEPTION WHEN undefined_table THEN NULL;
END $$"""

# How many transactions that wrote this process committed, per engine.
_committed_writes = weakref.WeakKeyDictionary()


def track_writes(engine):
    """Count every transaction on ``engine`` that writes and commits (ORM flushes,
    ``conditional_update`` and bulk statements alike): in this process
    (``committed_writes``) and, on PostgreSQL, in ``data_changes`` for every process."""
    _committed_writes[engine] = 0
    postgres = engine.dialect.name == "postgresql"

    @event.listens_for(engine, "after_cursor_execute")
    def note_write(conn, _cursor, statement, *_args):
        if statement.lstrip()[:8].upper().startswith(WRITES):
            conn.info["wrote"] = True

    @event.listens_for(engine, "commit")
    def on_commit(conn):
        # Runs just before the driver's COMMIT, the transaction still open.
        if conn.info.pop("wrote", False):
            _committed_writes[engine] += 1
            if postgres:
                cursor = conn.connection.cursor()
                try:
                    cursor.execute(_BUMP)
                finally:
                    cursor.close()

    @event.listens_for(engine, "rollback")
    def on_rollback(conn):
        conn.info.pop("wrote", None)


def committed_writes(engine=None):
    """How many transactions that wrote this process has committed on ``engine``."""
    return _committed_writes.get(engine or db.engine, 0)


def changes_column():
    """PostgreSQL: the count of committed writes (``data_changes``), for a query that runs
    anyway to read it along (``programme.services.get_settings``)."""
    count = select(data_changes.c.version).where(data_changes.c.id == 1).scalar_subquery()
    return func.coalesce(count, 0)


def database_changes():
    """PostgreSQL's count of committed writes, as this request read it with the settings
    (``g.database_changes``), else in one query."""
    if "database_changes" not in g:
        g.database_changes = db.session.scalar(select(changes_column()))
    return g.database_changes


def is_sqlite(engine=None):
    engine = engine or db.engine
    return engine.dialect.name == "sqlite"


def locked(statement):
    """Run a SELECT whose rows the caller will check and then change.

    On PostgreSQL the rows are locked (FOR UPDATE) until the transaction ends; on
    SQLite the write transaction already holds the database's write lock. Either
    way no other writer can change them between the check and the change.
    """
    # populate_existing: an object this session loaded earlier gets the locked row's
    # current values, not the stale ones it already held.
    return db.session.execute(
        statement.with_for_update().execution_options(populate_existing=True)
    )


def locked_one(model, ident):
    """Load one row by primary key for a lock, check, change; None if it is gone."""
    return locked(db.select(model).where(model.id == ident)).scalar_one_or_none()


def conditional_update(statement):
    """Run an ``UPDATE … WHERE <condition still holds>``; return how many rows changed.

    Use it for a change that is only valid if the row is still in the state the
    caller saw (stock still above zero, status still 'submitted'): 0 means someone
    else got there first.
    """
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


@contextmanager
def unique_or(error):
    """Run the block's changes in a SAVEPOINT; if a unique constraint refuses them, undo
    only the block and raise ``error`` (a double click that inserts the same row twice).

    The caller's transaction stays usable: services never roll it back themselves.
    Make the changes inside the block (changes made before it are flushed outside it).
    """
    db.session.flush()  # changes made before the block are not the block's to refuse
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        raise error from None


def add_once(obj):
    """Add ``obj`` in a SAVEPOINT; False (and nothing added) if a unique constraint
    refuses it, leaving the caller's transaction intact."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def in_one_query(**selects):
    """Run several single-value SELECTs (counts, sums, minimums) as one query.

    ``in_one_query(waiting=select(count())…, oldest=select(func.min(…))…)`` returns a
    row whose attributes are the names given: a dashboard of ten figures costs one
    round trip, not ten. Each select must return one column and at most one row.
    """
    row = db.session.execute(
        db.select(*(query.scalar_subquery().label(name) for name, query in selects.items()))
    ).one()
    return row


def month_of(column):
    """YYYY-MM of a date or timestamp column, in SQL, on SQLite and PostgreSQL alike."""
    if is_sqlite():
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def days_between(start, end):
    """Whole days from ``start`` to ``end`` (timestamps), in SQL, on both databases."""
    if is_sqlite():
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400


@event.listens_for(Session, "before_flush")
def refuse_text_too_long(session, _flush_context, _instances):
    """No text longer than its column reaches the database (PostgreSQL would refuse it
    with an error page): the person gets a message next to the field of that name."""
    for obj in (*session.new, *session.dirty):
        for attribute in inspect(obj).mapper.column_attrs:
            column_type = attribute.columns[0].type
            limit = getattr(column_type, "length", None)
            if not isinstance(column_type, String) or not limit:
                continue
            value = getattr(obj, attribute.key, None)
            if isinstance(value, str) and len(value) > limit:
                raise DomainError(_l("Please write at most %(count)d characters.",
                                     count=limit), attribute.key)


# Pages of a list ------------------------------------------------------------------------


class ListPage:
    """One page of a list whose rows are already read, with what the pagination macro
    reads (as Flask-SQLAlchemy's Pagination): ``items``, ``page``, ``per_page``,
    ``total``, ``pages``, ``has_prev``/``prev_num``, ``has_next``/``next_num``."""

    def __init__(self, items, page, per_page, total):
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.pages = -(-total // per_page) if total else 0
        self.has_prev, self.prev_num = page > 1, page - 1
        self.has_next, self.next_num = page < self.pages, page + 1


class RowsPage(Pagination):
    """A page of plain rows (``rows=``: a select of columns, filtered and ordered) or of
    entities (``items=``: a select of them), counted by ``total=`` (a count of the same
    filtered ids: Flask-SQLAlchemy counts over a subquery of every column). ``shape=``
    turns the page's rows into what the list shows. A list of 25 plain rows costs a
    fraction of 25 objects of 20 columns each, with their relations."""

    def _query_items(self):
        args = self._query_args
        if "rows" in args:
            found = db.session.execute(
                args["rows"].limit(self.per_page).offset(self._query_offset)).all()
        else:
            found = db.session.scalars(
                args["items"].limit(self.per_page).offset(self._query_offset)).all()
        shape = args.get("shape")
        return shape(found) if shape else found

    def _query_count(self):
        return db.session.scalar(self._query_args["total"])
