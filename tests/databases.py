"""Test databases: an empty one per test, filled by copying a template built once per process.

Loading the demo takes seconds (hundreds of audited service calls, argon2 hashes of the
users' passwords) and migrating an empty database about one; a copy of the finished database
takes milliseconds. So each pytest process (each xdist worker) builds a named template once,
the first time a test asks for it, and every test that asks again gets its own copy, which it
may change as it likes: no test sees another's writes.

On SQLite a template is a file, copied with SQLite's backup API (consistent whatever the WAL
holds). On PostgreSQL it is a database, and a copy is `CREATE DATABASE ... TEMPLATE`; the
template accepts no connections once built, as PostgreSQL copies only an unused database.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from mobilize.core.db import make_engine
from mobilize.core.migrate import upgrade

Built = TypeVar("Built")
# PostgreSQL refuses a template that another session uses; autovacuum may visit a database
# just written, before its connections are closed to all. Retry briefly, then fail loudly.
TEMPLATE_BUSY_RETRIES = 20
TEMPLATE_BUSY_WAIT = 0.25
POSTGRES_NAME_LIMIT = 63


class DatabaseTemplates:
    """Empty databases for tests, and copies of templates built once (see the module's text).

    `postgres_url` is the configured server's database (from `.ci/with-test-database`): the
    tests' databases are made beside it, named after it, so the wrapper can drop leftovers."""

    def __init__(self, folder: Path, postgres_url: str | None) -> None:
        self._folder = folder
        self._postgres_url = postgres_url
        self._admin: Engine | None = None
        self._built: dict[tuple[str, str], tuple[str, Any]] = {}  # (backend, name) -> url, value
        self._token = uuid.uuid4().hex[:8]  # this process's templates, apart from another's

    @contextmanager
    def empty_database(self, backend: str, folder: Path, *, copied: bool = False) -> Iterator[str]:
        """The URL of a new empty database of `backend`, dropped afterwards on PostgreSQL (a
        SQLite file lives in the test's `folder`). `copied`: a template will be copied there
        at once, so PostgreSQL's database is left to the copy to make (an empty one first
        would cost a database creation and a drop, a second or so on a busy machine)."""
        if backend == "sqlite":
            yield f"sqlite:///{folder / 'mobilize.db'}"
            return
        name = self._postgres_name(uuid.uuid4().hex[:12])
        if not copied:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        try:
            yield self._postgres_url_of(name)
        finally:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def copy(self, name: str, url: str, build: Callable[[Engine], Built]) -> Built:
        """Make the database at `url` a copy of the template `name`, and give what `build`
        returned when it made the template: `build` fills a migrated empty database, once per
        backend and process. Whatever was at `url` is replaced: dispose its engines first."""
        backend = make_url(url).get_backend_name()
        key = (backend, name)
        if key not in self._built:
            self._built[key] = self._build(backend, name, build)
        template_url, value = self._built[key]
        if backend == "sqlite":
            _copy_sqlite(template_url, url)
        else:
            self._copy_postgres(template_url, url)
        built: Built = value
        return built

    def close(self) -> None:
        """Drop the PostgreSQL templates; SQLite's go with pytest's temporary folders."""
        for (backend, _), (template_url, _) in self._built.items():
            if backend == "postgresql":
                database = make_url(template_url).database
                self._execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._built.clear()
        if self._admin is not None:
            self._admin.dispose()

    def _build(self, backend: str, name: str, build: Callable[[Engine], Built]) -> tuple[str, Any]:
        if backend == "sqlite":
            url = f"sqlite:///{self._folder / f'{name}.db'}"
        else:
            database = self._postgres_name(f"tpl_{self._token}_{name}")
            self._execute(f'CREATE DATABASE "{database}" TEMPLATE template0')
            url = self._postgres_url_of(database)
        engine = make_engine(url)
        try:
            upgrade(engine)
            value = build(engine)
        finally:
            engine.dispose()
        if backend == "postgresql":
            # No session may use a template, ours by mistake or autovacuum's.
            self._execute(f'ALTER DATABASE "{make_url(url).database}" ALLOW_CONNECTIONS false')
        return url, value

    def _copy_postgres(self, template_url: str, url: str) -> None:
        template, target = make_url(template_url).database, make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        for attempt in range(TEMPLATE_BUSY_RETRIES):
            try:
                self._execute(f'CREATE DATABASE "{target}" TEMPLATE "{template}"')
                return
            except OperationalError as error:
                busy = "is being accessed by other users" in str(error)
                if not busy or attempt == TEMPLATE_BUSY_RETRIES - 1:
                    raise
                time.sleep(TEMPLATE_BUSY_WAIT)

    def _postgres_name(self, suffix: str) -> str:
        assert self._postgres_url, "PostgreSQL is not configured"
        name = f"{make_url(self._postgres_url).database}_{suffix}"
        assert len(name) <= POSTGRES_NAME_LIMIT, f"database name too long: {name}"
        return name

    def _postgres_url_of(self, database: str) -> str:
        assert self._postgres_url
        url = make_url(self._postgres_url).set(database=database)
        return url.render_as_string(hide_password=False)

    def _execute(self, statement: str) -> None:
        """Run a statement that no transaction may hold (CREATE and DROP DATABASE)."""
        if self._admin is None:
            assert self._postgres_url
            self._admin = make_engine(self._postgres_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as connection:
            connection.execute(text(statement))


def _copy_sqlite(template_url: str, url: str) -> None:
    """Copy the template's pages over the file at `url` (made if missing)."""
    template_path, target_path = make_url(template_url).database, make_url(url).database
    assert template_path
    assert target_path
    source = sqlite3.connect(template_path)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
