"""Shared fixtures: scenario files and databases (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from mobilize.cli import main
from mobilize.core.db import make_engine, session_scope
from mobilize.operations.service import import_scenario
from mobilize.scenario.loader import load_scenario
from mobilize.scenario.schemas import Scenario
from tests.databases import DatabaseTemplates

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SCENARIO = ROOT / "scenarios" / "border-2018.yaml"
SMALL_SCENARIO = Path(__file__).resolve().parent / "fixtures" / "small.yaml"
POSTGRES_URL_VARIABLE = "MOBILIZE_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def private_audit_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Commands that sign the audit trail make their key in the test's folder, not the repo."""
    monkeypatch.delenv("MOBILIZE_AUDIT_KEY", raising=False)
    monkeypatch.setenv("MOBILIZE_AUDIT_KEY_FILE", str(tmp_path / "audit.key"))


def run_cli(*args: str) -> int:
    """Run `mobilize ARGS` in-process; the exit code."""
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    return int(exit_.value.code or 0)


@pytest.fixture(scope="session")
def reference_scenario() -> Scenario:
    return load_scenario(REFERENCE_SCENARIO)


@pytest.fixture(scope="session")
def small_scenario() -> Scenario:
    return load_scenario(SMALL_SCENARIO)


def postgres_skip_reason() -> str:
    """Why the PostgreSQL tests do not run (`.ci/with-test-database` says when it looked)."""
    return os.environ.get("MOBILIZE_TEST_POSTGRES_SKIP") or f"{POSTGRES_URL_VARIABLE} is not set"


def skip_without_postgres() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not os.environ.get(POSTGRES_URL_VARIABLE), reason=f"PostgreSQL: {postgres_skip_reason()}"
    )


def _backends() -> list[object]:
    postgres = pytest.param("postgresql", marks=[pytest.mark.postgres, skip_without_postgres()])
    return ["sqlite", postgres]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line naming the groups of skipped tests and why, instead of a line per test."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        groups = "; ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        terminalreporter.write_line(f"skipped: {groups}")


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """The URL of a throwaway schema on the configured PostgreSQL, dropped afterwards."""
    base_url = os.environ[POSTGRES_URL_VARIABLE]
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplates]:
    """This process's database templates (tests/databases.py), dropped at the end."""
    built = DatabaseTemplates(
        tmp_path_factory.mktemp("templates"), os.environ.get(POSTGRES_URL_VARIABLE)
    )
    yield built
    built.close()


@pytest.fixture(params=_backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, templates: DatabaseTemplates
) -> Iterator[str]:
    """An empty database of each backend, the test's own (PostgreSQL: dropped afterwards);
    filled by `engine` (and the fixtures built on it) when the test asks for that."""
    copied = "engine" in request.fixturenames
    with templates.empty_database(request.param, tmp_path, copied=copied) as url:
        yield url


def migrated(engine: Engine) -> None:
    """The migrations alone build the template (`DatabaseTemplates.copy` runs them)."""


@pytest.fixture
def engine(database_url: str, templates: DatabaseTemplates) -> Iterator[Engine]:
    """A database of each backend with the schema built by the migrations (a copy of a
    database migrated once per process)."""
    templates.copy("migrated", database_url, migrated)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def stored(engine: Engine, reference_scenario: Scenario) -> Engine:
    """A database of each backend holding the reference operation, imported."""
    with session_scope(engine) as session:
        import_scenario(session, reference_scenario)
    return engine
