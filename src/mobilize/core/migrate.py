"""Alembic migrations, run from the installed package (no alembic.ini needed).

Several processes may start on one empty database at once (`serve --workers 2`, a `worker`
beside them): on PostgreSQL whoever comes first takes an advisory lock, checks and migrates;
the others wait on the lock, then find the schema current. On SQLite the lock is an
`flock` on the database file (separate from SQLite's own byte-range locks). Alembic's
environment is global to a process, so threads of one process also take a thread lock.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from mobilize.core.db import Base, reachable
from mobilize.core.errors import DatabaseNotReady
from mobilize.core.status_checks import stale_checks
from mobilize.models import import_all_models

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"
# Any fixed number, the same in every process of this application ("mobi"); the lock is
# taken per schema, so that databases holding several schemas (the tests) lock each alone.
SCHEMA_LOCK = 0x6D6F6269
LOCK = "SELECT pg_advisory_lock(:key, hashtext(current_schema()))"
UNLOCK = "SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"
_IN_PROCESS = threading.Lock()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIRECTORY)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with reachable(engine), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default), under the schema lock."""
    with schema_lock(engine):
        command.upgrade(alembic_config(engine), revision)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """One process (and one thread) at a time checks and migrates; the others wait."""
    with _IN_PROCESS:
        if engine.dialect.name == "postgresql":
            with _advisory_lock(engine):
                yield
        elif engine.url.database and engine.url.database != ":memory:":
            with _file_lock(Path(engine.url.database)):
                yield
        else:
            yield


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    """PostgreSQL's advisory lock on a connection of its own: it ends with the connection,
    so a process killed while migrating frees it."""
    with reachable(engine), engine.connect() as connection:
        connection.execute(text(LOCK), {"key": SCHEMA_LOCK})
        connection.commit()  # the lock is the session's, not the transaction's
        try:
            yield
        finally:
            connection.execute(text(UNLOCK), {"key": SCHEMA_LOCK})
            connection.commit()


@contextmanager
def _file_lock(database: Path) -> Iterator[None]:
    with database.open("ab") as handle:  # SQLite takes an empty file as an empty database
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse a database left at an older revision.

    Creating on first use is what users of an embedded database expect; upgrading an existing
    one stays an explicit step (`mobilize db upgrade`), since it may need a backup first.
    """
    with schema_lock(engine):
        if not _has_tables(engine):
            command.upgrade(alembic_config(engine), "head")
            return
        current, head = current_revision(engine), head_revision()
    if current != head:
        raise DatabaseNotReady(
            f"the database is at revision {current or 'none'}, this version needs {head}; "
            "run `mobilize db upgrade`"
        )
    stale = _stale_status_checks(engine)
    if stale:
        raise DatabaseNotReady(
            f"the database's checks on {', '.join(stale)} lack statuses this version has; "
            "run `mobilize db upgrade`"
        )


def _stale_status_checks(engine: Engine) -> list[str]:
    import_all_models()
    with reachable(engine), engine.connect() as connection:
        return [f"{c.table}.{c.column}" for c in stale_checks(connection, Base.metadata)]


def _has_tables(engine: Engine) -> bool:
    with reachable(engine):
        return bool(inspect(engine).get_table_names())
