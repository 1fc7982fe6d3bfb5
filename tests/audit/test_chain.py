"""The audit trail cannot be changed unnoticed: the database refuses UPDATE and DELETE, and
whoever gets round that (dropping the triggers) is caught by `audit verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from mobilize.audit.chain import link_hash, sign_head
from mobilize.audit.models import AuditRecord
from mobilize.audit.service import Entry, append, link_of, verify_trail
from mobilize.core.db import session_scope

KEY = b"audit-test-key"
RECORDS = 8


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
    return engine


def _first_break(engine: Engine) -> str | None:
    with session_scope(engine) as session:
        return verify_trail(session, KEY).first_break


def _drop_triggers(connection: Connection) -> None:
    """What an attacker with the database owner's rights would do first."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER IF EXISTS audit_records_no_change ON audit_records"))
    else:
        connection.execute(text("DROP TRIGGER IF EXISTS audit_records_no_update"))
        connection.execute(text("DROP TRIGGER IF EXISTS audit_records_no_delete"))


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
    ],
)
def test_database_refuses_update_and_delete(trail: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), trail.begin() as connection:
        connection.execute(text(statement))
    assert _first_break(trail) is None


def test_postgresql_refuses_truncate(trail: Engine) -> None:
    if trail.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"), trail.begin() as connection:
        connection.execute(text("TRUNCATE audit_records"))


TAMPERING: dict[str, tuple[tuple[str, ...], str]] = {
    "edit": (
        ("UPDATE audit_records SET actor = 'someone.else' WHERE id = 4",),
        "record #4 was altered",
    ),
    "delete": (("DELETE FROM audit_records WHERE id = 4",), "record #4 is missing"),
    "reorder": (
        (
            "UPDATE audit_records SET id = -1 WHERE id = 3",
            "UPDATE audit_records SET id = 3 WHERE id = 4",
            "UPDATE audit_records SET id = 4 WHERE id = -1",
        ),
        "record #3 does not follow record #2",
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


def test_moving_the_head_without_the_key_is_caught(trail: Engine) -> None:
    """Cutting the tail and pointing the head at the new end still needs the key."""
    with trail.begin() as connection:
        last = connection.execute(text("SELECT hash FROM audit_records WHERE id = 5")).scalar_one()
    forged = sign_head(b"not the key", 5, last)
    _tamper(
        trail,
        "DELETE FROM audit_records WHERE id > 5",
        f"UPDATE audit_head SET last_id = 5, last_hash = '{last}', signature = '{forged}'",
    )
    assert "not signed with this key" in (_first_break(trail) or "")


def test_edit_with_its_hash_recomputed_breaks_the_next_link(trail: Engine) -> None:
    """An attacker who rewrites a record and its own hash still cannot mend the next link."""
    _tamper(trail, "UPDATE audit_records SET detail = 'nothing happened' WHERE id = 4")
    with session_scope(trail) as session:
        record = session.get(AuditRecord, 4)
        assert record is not None
        rehashed = link_hash(link_of(record))
    _tamper(trail, f"UPDATE audit_records SET hash = '{rehashed}' WHERE id = 4")
    assert "record #5 does not follow record #4" in (_first_break(trail) or "")


def test_appending_after_verify_keeps_the_chain(trail: Engine) -> None:
    with session_scope(trail) as session:
        entry = Entry(None, None, "authenticate", "api", "GET /api/me", outcome="unauthenticated")
        append(session, KEY, entry)
    assert _first_break(trail) is None
