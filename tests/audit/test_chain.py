"""The audit log cannot be changed unnoticed: the database refuses UPDATE and DELETE, and
whoever gets round that (dropping the triggers) is caught by `audit verify`: a record against
the leaf it was sealed as, the leaves against the signed heads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from mobilize.audit.chain import record_leaf_hash
from mobilize.audit.heads import sign_head
from mobilize.audit.merkle import tree_root
from mobilize.audit.models import AuditRecord, entry_of
from mobilize.audit.sealer import seal
from mobilize.audit.service import Entry, append, verify_trail
from mobilize.core.db import session_scope

KEY = b"audit-test-key"
RECORDS = 8
ZEROS = "0" * 64


@pytest.fixture
def trail(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        for number in range(1, RECORDS + 1):
            entry = Entry(
                "dhs.requester",
                "DHS",
                "request.edit",
                "request",
                f"RFA-2018-{number:04d}",
                {"status": "draft"},
                {"status": "submitted", "n": number},
            )
            append(session, KEY, entry)
    with session_scope(engine) as session:
        seal(session, KEY)
    return engine


def _first_break(engine: Engine) -> str | None:
    with session_scope(engine) as session:
        return verify_trail(session, KEY).first_break


APPEND_ONLY = ("audit_records", "audit_leaves", "audit_tree_heads")


def _drop_triggers(connection: Connection) -> None:
    """What an attacker with the database owner's rights would do first."""
    for table in APPEND_ONLY:
        if connection.dialect.name == "postgresql":
            for trigger in ("no_change", "no_truncate"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_{trigger} ON {table}"))
        else:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))


def _tamper(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        _drop_triggers(connection)
        for statement in statements:
            connection.execute(text(statement))


def test_untouched_trail_verifies(trail: Engine) -> None:
    with session_scope(trail) as session:
        report = verify_trail(session, KEY)
    assert report.intact
    assert report.records == RECORDS


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_records SET outcome = 'denied' WHERE id = 3",
        "DELETE FROM audit_records WHERE id = 3",
        "UPDATE audit_leaves SET leaf_hash = 'x' WHERE leaf_index = 2",
        "DELETE FROM audit_leaves WHERE leaf_index = 2",
        "UPDATE audit_tree_heads SET root_hash = 'x'",
        "DELETE FROM audit_tree_heads",
    ],
)
def test_database_refuses_update_and_delete(trail: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), trail.begin() as connection:
        connection.execute(text(statement))
    assert _first_break(trail) is None


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_postgresql_refuses_truncate(trail: Engine, table: str) -> None:
    if trail.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"), trail.begin() as connection:
        connection.execute(text(f"TRUNCATE {table}"))


TAMPERING: dict[str, tuple[tuple[str, ...], str]] = {
    "edit": (
        ("UPDATE audit_records SET actor = 'someone.else' WHERE id = 4",),
        "record #4 was altered",
    ),
    "delete": (("DELETE FROM audit_records WHERE id = 4",), "record #4 is missing"),
    "leaf changed": (
        (f"UPDATE audit_leaves SET leaf_hash = '{ZEROS}' WHERE leaf_index = 2",),
        "record #3 is not the record sealed in its place",
    ),
    "reorder": (
        (
            "UPDATE audit_records SET id = -1 WHERE id = 3",
            "UPDATE audit_records SET id = 3 WHERE id = 4",
            "UPDATE audit_records SET id = 4 WHERE id = -1",
        ),
        "record #3 is not the record sealed in its place: records were reordered",
    ),
    "drop the tail": (
        (f"DELETE FROM audit_records WHERE id > {RECORDS - 2}",),
        f"records #{RECORDS - 1} to #{RECORDS} are missing",
    ),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampering_is_named_by_verify(trail: Engine, kind: str) -> None:
    statements, expected = TAMPERING[kind]
    _tamper(trail, *statements)
    found = _first_break(trail)
    assert found is not None
    assert expected in found


def test_a_head_signed_without_the_key_is_caught(trail: Engine) -> None:
    """Cutting the tail and signing a head for the new end still needs the key."""
    with session_scope(trail) as session:
        leaves = [record_leaf_hash(entry_of(r)) for r in session.query(AuditRecord).all()]
    forged = sign_head(b"not the key", 5, _root(leaves[:5]), datetime.now(UTC))
    _tamper(
        trail,
        "DELETE FROM audit_records WHERE id > 5",
        "DELETE FROM audit_leaves WHERE leaf_index >= 5",
        "DELETE FROM audit_tree_heads",
        "INSERT INTO audit_tree_heads (tree_size, root_hash, issued_at, signature, frontier) "
        f"VALUES (5, '{forged.root_hash}', CURRENT_TIMESTAMP, '{forged.signature}', '[]')",
    )
    assert "not signed with this key" in (_first_break(trail) or "")


def _root(leaves: list[str]) -> str:
    return tree_root([bytes.fromhex(leaf) for leaf in leaves]).hex()


def test_edit_with_its_hash_recomputed_is_caught_by_its_leaf(trail: Engine) -> None:
    """An attacker who rewrites a record and its own hash still cannot mend the sealed leaf."""
    _tamper(trail, "UPDATE audit_records SET detail = 'nothing happened' WHERE id = 4")
    with session_scope(trail) as session:
        record = session.get(AuditRecord, 4)
        assert record is not None
        rehashed = record_leaf_hash(entry_of(record))
    _tamper(trail, f"UPDATE audit_records SET hash = '{rehashed}' WHERE id = 4")
    found = _first_break(trail) or ""
    assert "record #4 is not the record sealed in its place: it was altered with its hash" in found


def test_leaf_rehashed_too_breaks_the_signed_root(trail: Engine) -> None:
    _tamper(trail, "UPDATE audit_records SET detail = 'nothing happened' WHERE id = 4")
    with session_scope(trail) as session:
        record = session.get(AuditRecord, 4)
        assert record is not None
        rehashed = record_leaf_hash(entry_of(record))
    _tamper(
        trail,
        f"UPDATE audit_records SET hash = '{rehashed}' WHERE id = 4",
        f"UPDATE audit_leaves SET leaf_hash = '{rehashed}' WHERE record_id = 4",
    )
    assert "do not give the root of the head of 8 record(s)" in (_first_break(trail) or "")


def test_an_unsealed_record_altered_is_caught(trail: Engine) -> None:
    with session_scope(trail) as session:
        append(session, KEY, Entry("x", None, "request.edit", "request", "RFA-2018-0009"))
    _tamper(trail, "UPDATE audit_records SET actor = 'y' WHERE id = 9")
    assert "record #9 was altered" in (_first_break(trail) or "")


def test_appending_after_verify_keeps_the_log(trail: Engine) -> None:
    with session_scope(trail) as session:
        entry = Entry(None, None, "authenticate", "api", "GET /api/me", outcome="unauthenticated")
        append(session, KEY, entry)
    assert _first_break(trail) is None
    with session_scope(trail) as session:
        head = seal(session, KEY)
    assert head is not None
    assert head.size == RECORDS + 1
    assert _first_break(trail) is None
