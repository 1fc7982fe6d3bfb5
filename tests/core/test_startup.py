"""Several processes start on one empty database: one migrates, under the schema lock, and
the others find the schema current (today's `serve --workers 2` crashed on alembic_version)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from mobilize.core.db import make_engine
from mobilize.core.migrate import current_revision, ensure_schema, head_revision
from tests.conftest import postgres_schema, skip_without_postgres
from tests.processes import servers


def test_concurrent_first_starts_migrate_once(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(4)]
    with ThreadPoolExecutor(len(engines)) as pool:
        list(pool.map(ensure_schema, engines))
    assert current_revision(engines[0]) == head_revision()
    with engines[0].connect() as connection:
        versions = connection.execute(text("SELECT count(*) FROM alembic_version")).scalar()
    assert versions == 1
    for engine in engines:
        engine.dispose()


@pytest.mark.postgres
@skip_without_postgres()
def test_two_servers_start_cleanly_on_an_empty_database(tmp_path: Path) -> None:
    with postgres_schema("startup") as url:
        env = {"MOBILIZE_DATABASE_URL": url, "MOBILIZE_AUDIT_KEY": "test-key"}
        with servers(2, env, tmp_path) as started:
            for server in started:
                server.wait_ready()
            for server in started:
                assert "Traceback" not in server.output()
