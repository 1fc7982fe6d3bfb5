"""`mobilize users`, `tokens`, `demo load|run` and `audit verify` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from mobilize.core.db import make_engine
from tests.conftest import REFERENCE_SCENARIO
from tests.conftest import run_cli as run


@pytest.fixture
def server_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("MOBILIZE_DATABASE_URL", database_url)
    monkeypatch.setenv("MOBILIZE_AUDIT_KEY_FILE", str(tmp_path / "audit.key"))
    monkeypatch.delenv("MOBILIZE_AUDIT_KEY", raising=False)
    return database_url


def test_demo_load_then_verify(server_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("demo", "load", "--scenario", str(REFERENCE_SCENARIO)) == 0
    assert run("audit", "verify") == 0
    assert "audit trail intact" in capsys.readouterr().out


def test_demo_run_loads_plans_and_adopts_once(
    server_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `make run` does before it serves; a second run keeps the database as it is."""
    scenario = str(REFERENCE_SCENARIO)
    assert run("demo", "run", "--scenario", scenario, "--time-limit", "5", "--no-serve") == 0
    first = capsys.readouterr()
    assert "passwords shown this once" in first.out
    assert "plan 1 adopted" in first.err
    assert run("demo", "run", "--scenario", scenario, "--no-serve") == 0
    second = capsys.readouterr()
    assert "loaded already" in second.err
    assert "password" not in second.out
    assert "adopted" not in second.err
    assert run("audit", "verify") == 0


def test_verify_names_the_break_and_exits_1(
    server_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("users", "add", "doj.liaison", "--agency", "DOJ", "--role", "responder") == 0
    assert run("tokens", "create", "doj.liaison") == 0
    assert capsys.readouterr().out.startswith("mob_")
    engine = make_engine(server_env)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_records_no_change ON audit_records"))
        else:
            connection.execute(text("DROP TRIGGER audit_records_no_update"))
        connection.execute(text("UPDATE audit_records SET actor = 'nobody' WHERE id = 1"))
    engine.dispose()
    assert run("audit", "verify") == 1
    assert "record #1 was altered" in capsys.readouterr().err


def test_unknown_role_is_refused_with_the_roles_there_are(
    server_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("users", "add", "x", "--agency", "DOJ", "--role", "boss") == 2
    assert "roles: requester, responder, approver" in capsys.readouterr().err


def test_audit_key_file_is_made_private(server_env: str, tmp_path: Path) -> None:
    assert run("users", "add", "x", "--agency", "DOJ", "--role", "viewer") == 0
    assert (tmp_path / "audit.key").stat().st_mode & 0o777 == 0o600
