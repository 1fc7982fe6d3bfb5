"""Database engine, sessions and the schema version check.

The default is an embedded SQLite file in WAL mode; a `postgresql+psycopg://` URL uses PostgreSQL.
One transaction per CLI command, API request or job: opened and closed by `session_scope`, never
inside a service.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from mobilize.core.errors import DatabaseUnavailable

# Stable constraint names: migrations can name what they alter, and SQLite batch mode works.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, enforced foreign keys and a busy timeout.

    Pooled connections are pinged before use: after a database restart the first request on
    each stale connection would otherwise fail, where a new connection succeeds."""
    engine = create_engine(url, **({"pool_pre_ping": True} | options))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the web pages) work while a plan is being written.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")  # a busy machine queues writers for seconds
    cursor.close()
    # The driver's own BEGIN is deferred; SQLAlchemy emits ours instead (see below).
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Any) -> None:
    """Take the write lock when a transaction begins: a deferred transaction that reads, then
    writes after another writer committed, fails at once with "database is locked" (it cannot
    wait); an immediate one waits its turn (busy_timeout), so concurrent requests queue."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends normally, rolled back on any error.
    A database that cannot be reached raises `DatabaseUnavailable`, never a driver error."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with reachable(engine), factory() as session, session.begin():
        yield session


@contextmanager
def reachable(engine: Engine) -> Iterator[None]:
    """Turn a lost or refused connection into `DatabaseUnavailable`, naming the database and
    the cause; every other database error passes unchanged (a serialization failure must
    reach the code that retries it)."""
    try:
        yield
    except DBAPIError as error:
        if not connection_lost(error):
            raise
        raise DatabaseUnavailable(
            f"database {database_name(engine)} is unreachable: {cause_of(error)}"
        ) from error


# SQLSTATE classes and codes that say "the connection, not the statement, failed":
# 08 connection exception; 57P01-57P03 the server shut down or is starting.
_LOST_STATES = ("57P01", "57P02", "57P03")


def connection_lost(error: DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    # Only psycopg's errors carry a SQLSTATE; SQLite files do not go away.
    state: str | None = getattr(error.orig, "sqlstate", "not psycopg")
    # psycopg gives no SQLSTATE when it could not talk to the server at all.
    return state is None or state.startswith("08") or state in _LOST_STATES


def database_name(engine: Engine) -> str:
    """The database as an operator names it: host, port and database, never a password."""
    url = make_url(str(engine.url))
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return f"{url.database} on {url.host or 'localhost'}:{url.port or 5432}"


def cause_of(error: DBAPIError) -> str:
    """The driver's first line: 'connection refused', 'server closed the connection'..."""
    text = str(error.orig).strip().splitlines()
    return text[0] if text else type(error.orig).__name__
