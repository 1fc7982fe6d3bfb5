"""What a record puts into the log, pure: its entry (canonical JSON) and its leaf hash.

A record's entry is its fields (the id among them, so that a proof names the record) in
canonical JSON: sorted keys, no spaces, UTF-8, one spelling of a moment for every backend.
The leaf hash is RFC 9162's over those bytes; the record keeps it beside its fields, so that
a record changed before it is sealed is still caught.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from mobilize.audit.merkle import leaf_hash


@dataclass(frozen=True)
class RecordEntry:
    """A record's fields, as the log hashes them."""

    id: int
    at: datetime
    actor: str | None
    agency: str | None
    action: str
    object_type: str
    object_id: str | None
    before: Any
    after: Any
    outcome: str
    detail: str | None


def utc_text(moment: datetime) -> str:
    """One spelling of a moment for every backend (SQLite gives it back without a zone)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_fields(entry: RecordEntry) -> dict[str, Any]:
    """The entry as JSON-ready fields: what an inclusion proof carries."""
    return {**asdict(entry), "at": utc_text(entry.at)}


def entry_bytes(fields: dict[str, Any]) -> bytes:
    return canonical_json(fields).encode()


def record_leaf_hash(entry: RecordEntry) -> str:
    """The record's leaf hash, hex."""
    return leaf_hash(entry_bytes(entry_fields(entry))).hex()
