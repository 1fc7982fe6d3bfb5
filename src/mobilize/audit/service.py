"""Writing the audit log.

`append` writes one record in the caller's transaction, so a change and its record commit or
roll back together; its id comes from the database and nothing else is locked, so writers do
not queue behind one another. The sealer (`audit.sealer`) later puts committed records into
the Merkle tree and signs its head. Refusals (authorization denials, rule refusals) roll their
transaction back, so `run_audited` writes their record in a transaction of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mobilize.audit.chain import record_leaf_hash
from mobilize.audit.models import AuditRecord, entry_of
from mobilize.audit.verify import TrailReport, check_trail
from mobilize.audit.witness import Witness
from mobilize.core.db import session_scope
from mobilize.core.errors import (
    Forbidden,
    MobilizeError,
    PreconditionFailed,
    Refused,
    TooManyAttempts,
    Unauthenticated,
)

T = TypeVar("T")
SYSTEM_ACTOR = "system"  # the operator at the server's shell (CLI administration)
# Serialization failures and deadlocks are retried this many times before giving up.
RETRIES = 8
# PostgreSQL's SQLSTATEs for "try again": serialization failure, deadlock detected, and a
# unique key taken by a concurrent transaction since this one read (the next request number,
# an idempotency key): run again, the transaction reads the winner's row and goes past it.
RETRYABLE_SQLSTATES = {"40001", "40P01", "23505"}


@dataclass(frozen=True)
class Entry:
    """What happened, by whom, to what: everything of a record but its place in the log."""

    actor: str | None
    agency: str | None
    action: str
    object_type: str
    object_id: str | None
    before: Any = None
    after: Any = None
    outcome: str = "ok"
    detail: str | None = None


def append(session: Session, key: bytes, entry: Entry) -> AuditRecord:
    """Add `entry` to the log in this transaction. `key` is no longer needed to write (heads
    are signed by the sealer); it stays in the signature that every service calls."""
    del key
    record = AuditRecord(id=_next_id(session), at=datetime.now(UTC), **_fitted(entry).__dict__)
    record.hash = record_leaf_hash(entry_of(record))
    session.add(record)
    session.flush()
    return record


def _next_id(session: Session) -> int:
    """The record's id before it is written, since its hash covers it: PostgreSQL's sequence
    (no lock, gaps when a transaction rolls back); on SQLite the transaction already holds the
    database's only write lock (BEGIN IMMEDIATE), so the next rowid is safe to take."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(text("SELECT nextval('audit_records_id_seq')")).scalar_one())
    return int(session.execute(select(func.coalesce(func.max(AuditRecord.id), 0))).scalar_one()) + 1


# The record's text columns and their lengths: a refusal records what was attempted, and an
# attempt may carry any text (a 200-character path, a NUL in a user name).
COLUMN_LENGTHS = {"actor": 100, "agency": 200, "action": 100, "object_type": 50, "object_id": 100}


def _fitted(entry: Entry) -> Entry:
    """`entry` with each short text column fitted to its column, NUL shown as \\x00 (which
    PostgreSQL cannot store): a record is never the reason a change or a refusal fails."""
    changes = {}
    for name, length in COLUMN_LENGTHS.items():
        value = getattr(entry, name)
        if value is None:
            continue
        text = value.replace("\x00", "\\x00")
        if len(text) > length:
            text = text[: length - 1] + "…"
        if text != value:
            changes[name] = text
    if entry.detail is not None and "\x00" in entry.detail:
        changes["detail"] = entry.detail.replace("\x00", "\\x00")
    return replace(entry, **changes) if changes else entry


def verify_trail(session: Session, key: bytes, witness: Witness | None = None) -> TrailReport:
    """Check every record against its leaf, the tree against every signed head, and the log
    against the latest head `witness` holds; names the first problem (rollback first)."""
    return check_trail(session, key, witness)


def records_for(session: Session, object_type: str, object_id: str) -> list[AuditRecord]:
    query = select(AuditRecord).where(
        AuditRecord.object_type == object_type, AuditRecord.object_id == object_id
    )
    return list(session.scalars(query.order_by(AuditRecord.id)))


# Refusals that leave a record: who was turned away from what, and why.
OUTCOMES: dict[type[MobilizeError], str] = {
    Unauthenticated: "unauthenticated",
    Forbidden: "denied",
    Refused: "refused",
    PreconditionFailed: "stale",
    TooManyAttempts: "throttled",
}


def run_audited(
    engine: Engine,
    key: bytes,
    work: Callable[[Session], T],
    refusal: Entry,
) -> T:
    """Run `work` in one transaction, retried on serialization failures; when it is refused,
    record `refusal` (with the outcome and reason filled in) in a transaction of its own."""
    try:
        return _with_retries(engine, work)
    except MobilizeError as error:
        outcome = _outcome(error)
        if outcome is not None:
            with session_scope(engine) as session:
                entry = Entry(**{**refusal.__dict__, "outcome": outcome, "detail": error.message})
                append(session, key, entry)
        raise


def _outcome(error: MobilizeError) -> str | None:
    return next((name for kind, name in OUTCOMES.items() if isinstance(error, kind)), None)


def _with_retries(engine: Engine, work: Callable[[Session], T]) -> T:
    for attempt in _attempts():
        try:
            with session_scope(engine) as session:
                return work(session)
        except DBAPIError as error:
            if not _retryable(error) or attempt == RETRIES:
                raise
    raise AssertionError("unreachable")


def _attempts() -> Iterator[int]:
    for attempt in range(1, RETRIES + 1):
        if attempt > 1:
            time.sleep(0.01 * 2**attempt)  # back off so that the winner can commit
        yield attempt


def _retryable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
