"""Alembic migrations, run from the installed package (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from mobilize.core.errors import DatabaseNotReady

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIRECTORY)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default)."""
    command.upgrade(alembic_config(engine), revision)


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse a database left at an older revision.

    Creating on first use is what users of an embedded database expect; upgrading an existing
    one stays an explicit step (`mobilize db upgrade`), since it may need a backup first.
    """
    if not inspect(engine).get_table_names():
        upgrade(engine)
        return
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise DatabaseNotReady(
            f"the database is at revision {current or 'none'}, this version needs {head}; "
            "run `mobilize db upgrade`"
        )
