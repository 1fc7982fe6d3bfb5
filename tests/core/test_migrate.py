"""Migrations build the schema, go down and up again, and stale databases are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from mobilize.core.db import make_engine
from mobilize.core.errors import DatabaseNotReady
from mobilize.core.migrate import current_revision, ensure_schema, head_revision, upgrade


def test_empty_database_is_created_on_first_use(database_url: str) -> None:
    engine = make_engine(database_url)
    ensure_schema(engine)
    assert current_revision(engine) == head_revision()
    assert {"operations", "units", "agencies"} <= set(inspect(engine).get_table_names())


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    from alembic import command

    from mobilize.core.migrate import alembic_config

    engine = make_engine(database_url)
    upgrade(engine)
    command.downgrade(alembic_config(engine), "base")
    assert "units" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_database_at_another_revision_is_refused_with_the_fix(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(DatabaseNotReady, match="mobilize db upgrade"):
        ensure_schema(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
