"""Writing and checking the audit trail.

`append` writes one record in the caller's transaction, so a change and its record commit or
roll back together. Refusals (authorization denials, failed sign-ins, rule refusals) roll
their transaction back, so `run_audited` writes their record in a transaction of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mobilize.audit.chain import (
    GENESIS,
    ChainLink,
    ChainReport,
    SignedHead,
    check_chain,
    link_hash,
    sign_head,
)
from mobilize.audit.models import AuditHead, AuditRecord
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
HEAD_ID = 1
# Serialization failures and deadlocks are retried this many times before giving up.
RETRIES = 8
# PostgreSQL's SQLSTATEs for "try again": serialization failure, deadlock detected, and a
# unique key taken by a concurrent transaction since this one read (the next request number,
# an idempotency key): run again, the transaction reads the winner's row and goes past it.
RETRYABLE_SQLSTATES = {"40001", "40P01", "23505"}


@dataclass(frozen=True)
class Entry:
    """What happened, by whom, to what: everything of a record but its place in the chain."""

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
    """Add `entry` to the chain in this transaction; the head row lock serialises writers."""
    head = session.get(AuditHead, HEAD_ID, with_for_update=True, populate_existing=True)
    if head is None:
        head = AuditHead(id=HEAD_ID, last_id=0, last_hash=GENESIS, signature="")
        session.add(head)
    record = AuditRecord(
        id=head.last_id + 1,
        at=datetime.now(UTC),
        previous_hash=head.last_hash,
        **_fitted(entry).__dict__,
    )
    record.hash = link_hash(link_of(record))
    session.add(record)
    head.last_id, head.last_hash = record.id, record.hash
    head.signature = sign_head(key, record.id, record.hash)
    session.flush()
    return record


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


def verify_trail(session: Session, key: bytes) -> ChainReport:
    """Check every link and the signed head; names the first break."""
    head = session.get(AuditHead, HEAD_ID)
    signed = SignedHead(head.last_id, head.last_hash, head.signature) if head else None
    records = session.scalars(
        select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=1000)
    )
    return check_chain((link_of(record) for record in records), signed, key)


def records_for(session: Session, object_type: str, object_id: str) -> list[AuditRecord]:
    query = select(AuditRecord).where(
        AuditRecord.object_type == object_type, AuditRecord.object_id == object_id
    )
    return list(session.scalars(query.order_by(AuditRecord.id)))


def link_of(record: AuditRecord) -> ChainLink:
    return ChainLink(
        id=record.id,
        at=record.at,
        actor=record.actor,
        agency=record.agency,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        before=record.before,
        after=record.after,
        outcome=record.outcome,
        detail=record.detail,
        previous_hash=record.previous_hash,
        hash=record.hash,
    )


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
