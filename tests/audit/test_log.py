"""The log against its witness: a restored older copy, a cut tail with an older head put back
or a truncated log is a rollback, named by the records missing since the last head the
witness and the log agree on; a record's inclusion proof checks with the public key alone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

import mobilize.audit.models  # noqa: F401  (the audit tables in Base.metadata)
from mobilize.audit.heads import public_key_of, sign_head
from mobilize.audit.proofs import check_inclusion_proof, inclusion_proof
from mobilize.audit.sealer import Sealer, seal_now
from mobilize.audit.service import Entry, append, verify_trail
from mobilize.audit.witness import FileWitness
from mobilize.core.db import Base, session_scope
from mobilize.core.errors import LogRolledBack
from tests.audit.test_chain import APPEND_ONLY, _drop_triggers

KEY = b"audit-test-key"
Snapshot = dict[str, list[dict[str, Any]]]


@pytest.fixture
def witness(tmp_path: Path) -> FileWitness:
    return FileWitness(tmp_path / "audit.witness")


def _append(engine: Engine, count: int) -> None:
    with session_scope(engine) as session:
        for _ in range(count):
            append(session, KEY, Entry("cbp.planner", "DHS/CBP", "task.progress", "task", "w"))


def _snapshot(engine: Engine) -> Snapshot:
    """An older copy of the log, as a backup would hold it."""
    with engine.begin() as connection:
        return {
            table: [
                dict(row._mapping)
                for row in connection.execute(Base.metadata.tables[table].select())
            ]
            for table in APPEND_ONLY
        }


def _restore(engine: Engine, snapshot: Snapshot) -> None:
    with engine.begin() as connection:
        _drop_triggers(connection)
        for table in APPEND_ONLY:
            connection.execute(text(f"DELETE FROM {table}"))
        for table, rows in snapshot.items():
            if rows:
                connection.execute(Base.metadata.tables[table].insert(), rows)


def _tamper(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        _drop_triggers(connection)
        for statement in statements:
            connection.execute(text(statement))


@pytest.fixture
def sealed_twice(engine: Engine, witness: FileWitness) -> tuple[Engine, Snapshot]:
    """Five records sealed (and copied), then four more sealed: the witness holds both heads."""
    _append(engine, 5)
    assert seal_now(engine, KEY, witness) is not None
    older = _snapshot(engine)
    _append(engine, 4)
    assert seal_now(engine, KEY, witness) is not None
    return engine, older


def _problem(engine: Engine, witness: FileWitness) -> str:
    with session_scope(engine) as session:
        report = verify_trail(session, KEY, witness)
    assert not report.intact
    assert report.first_break is not None
    return report.first_break


def test_a_log_its_witness_saw_grow_verifies(
    sealed_twice: tuple[Engine, Snapshot], witness: FileWitness
) -> None:
    engine, _ = sealed_twice
    with session_scope(engine) as session:
        report = verify_trail(session, KEY, witness)
    assert report.intact, report.problems
    assert (report.records, report.sealed) == (9, 9)


def test_restoring_an_older_copy_is_a_rollback(
    sealed_twice: tuple[Engine, Snapshot], witness: FileWitness
) -> None:
    engine, older = sealed_twice
    _restore(engine, older)
    problem = _problem(engine, witness)
    assert problem.startswith("rollback: 4 record(s) sealed after the head of 5 record(s)")
    assert "the witness holds the head of 9 record(s)" in problem


def test_nothing_is_sealed_over_a_rollback(
    sealed_twice: tuple[Engine, Snapshot], witness: FileWitness
) -> None:
    """New records on a restored copy do not make it look whole: the sealer refuses."""
    engine, older = sealed_twice
    _restore(engine, older)
    _append(engine, 6)
    with pytest.raises(LogRolledBack, match="does not extend"):
        seal_now(engine, KEY, witness)
    assert _problem(engine, witness).startswith("rollback: 4 record(s) sealed after")


def test_the_server_logs_a_refused_seal_in_one_line(
    sealed_twice: tuple[Engine, Snapshot], witness: FileWitness, caplog: pytest.LogCaptureFixture
) -> None:
    """Every interval, the sealer in the server says why it does not seal, without the
    traceback of a bug."""
    engine, older = sealed_twice
    _restore(engine, older)
    _append(engine, 1)
    with caplog.at_level(logging.ERROR, logger="mobilize.audit.sealer"):
        Sealer(engine, KEY, witness).seal_logged()
    [logged] = caplog.records
    assert logged.exc_info is None
    assert "does not extend" in logged.getMessage()


def test_cutting_the_tail_and_putting_an_older_head_back_is_a_rollback(
    sealed_twice: tuple[Engine, Snapshot], witness: FileWitness
) -> None:
    engine, _ = sealed_twice
    _tamper(
        engine,
        "DELETE FROM audit_records WHERE id > 5",
        "DELETE FROM audit_leaves WHERE leaf_index >= 5",
        "DELETE FROM audit_tree_heads WHERE tree_size > 5",
    )
    assert _problem(engine, witness).startswith(
        "rollback: 4 record(s) sealed after the head of 5 record(s)"
    )


def test_truncating_the_log_is_a_rollback(
    sealed_twice: tuple[Engine, Snapshot], witness: FileWitness
) -> None:
    engine, _ = sealed_twice
    _tamper(engine, *(f"DELETE FROM {table}" for table in APPEND_ONLY))
    problem = _problem(engine, witness)
    assert problem.startswith("rollback: 9 record(s) sealed after the empty log are missing")


def test_a_head_put_in_the_witness_without_the_key_is_named(
    sealed_twice: tuple[Engine, Snapshot], witness: FileWitness
) -> None:
    engine, _ = sealed_twice
    forged = sign_head(b"another key", 20, "00" * 32, datetime.now(UTC))
    witness.remember(forged)
    assert "the witness holds the head of 20 record(s)" in _problem(engine, witness)
    assert "not signed with this key" in _problem(engine, witness)


def test_an_inclusion_proof_checks_with_the_public_key_only(
    sealed_twice: tuple[Engine, Snapshot],
) -> None:
    engine, _ = sealed_twice
    with session_scope(engine) as session:
        proof = inclusion_proof(session, 7)
    assert proof["record"]["id"] == 7
    assert proof["tree_head"]["tree_size"] == 9
    assert check_inclusion_proof(proof, public_key_of(KEY)) is None
    assert "not signed by this public key" in (
        check_inclusion_proof(proof, public_key_of(b"another key")) or ""
    )
    forged = {**proof, "record": {**proof["record"], "actor": "someone.else"}}
    assert "is not leaf" in (check_inclusion_proof(forged, public_key_of(KEY)) or "")
