"""`mobilize users`, `tokens`, `demo load|run` and `audit verify` from the command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mobilize.core.db import make_engine
from tests.audit.test_log import Snapshot, _restore, _snapshot
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
    assert "audit log intact" in capsys.readouterr().out


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


def _copy_sqlite(source: str, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL and all), as a backup takes it."""
    with sqlite3.connect(str(make_url(source).database)) as live, sqlite3.connect(target) as copy:
        live.backup(copy)


def _restore_sqlite(copy: Path, url: str) -> None:
    with sqlite3.connect(copy) as older, sqlite3.connect(str(make_url(url).database)) as live:
        older.backup(live)


def test_restoring_an_older_database_is_a_rollback_with_key_and_witness_kept(
    server_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key file and the witness beside it stay; the database goes back to an older copy."""
    assert run("users", "add", "doj.liaison", "--agency", "DOJ", "--role", "responder") == 0
    assert run("audit", "verify") == 0
    backup = tmp_path / "backup.db"
    older = _copy(server_env, backup)
    assert run("tokens", "create", "doj.liaison") == 0
    assert run("tokens", "revoke", "doj.liaison") == 0
    assert run("audit", "verify") == 0
    assert (tmp_path / "audit.witness").exists()
    _put_back(server_env, backup, older)
    capsys.readouterr()
    assert run("audit", "verify") == 1
    err = capsys.readouterr().err
    assert "rollback: 2 record(s) sealed after the head of 1 record(s)" in " ".join(err.split())


def _copy(url: str, backup: Path) -> Snapshot | None:
    if url.startswith("sqlite"):
        _copy_sqlite(url, backup)
        return None
    engine = make_engine(url)
    try:
        return _snapshot(engine)
    finally:
        engine.dispose()


def _put_back(url: str, backup: Path, older: Snapshot | None) -> None:
    if older is None:
        _restore_sqlite(backup, url)
        return
    engine = make_engine(url)
    try:
        _restore(engine, older)
    finally:
        engine.dispose()


def test_a_key_file_others_may_read_is_refused_with_the_fix(
    server_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "audit.key"
    key.write_text("ab" * 32 + "\n")
    key.chmod(0o644)
    assert run("users", "add", "x", "--agency", "DOJ", "--role", "viewer") == 1
    assert f"run `chmod 600 {key}`" in " ".join(capsys.readouterr().err.split())


def test_a_proof_checks_with_the_public_key_alone(
    server_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("users", "add", "x", "--agency", "DOJ", "--role", "viewer") == 0
    assert run("tokens", "create", "x") == 0
    proof, public = tmp_path / "proof.json", tmp_path / "audit.pub"
    assert run("audit", "prove", "1", "-o", str(proof)) == 0
    assert run("audit", "public-key", "-o", str(public)) == 0
    (tmp_path / "audit.key").unlink()  # the checker needs no secret
    capsys.readouterr()
    assert run("audit", "check-proof", str(proof), "--public-key", str(public)) == 0
    assert "the proof holds" in capsys.readouterr().err
    forged = json.loads(proof.read_text())
    forged["record"]["actor"] = "nobody"
    proof.write_text(json.dumps(forged))
    assert run("audit", "check-proof", str(proof), "--public-key", str(public)) == 1
    assert "does not hold" in capsys.readouterr().err
