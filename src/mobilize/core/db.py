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
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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
    """An engine for `url`; SQLite gets WAL, enforced foreign keys and a busy timeout."""
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the web pages) work while a plan is being written.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
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
    """One transaction: committed when the block ends normally, rolled back on any error."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
