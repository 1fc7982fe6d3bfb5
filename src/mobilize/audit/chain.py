"""The hash chain, pure: how a record's hash is computed and how a chain is checked.

A record's hash is the SHA-256 of its fields in canonical JSON (sorted keys, no spaces) with
the previous record's hash among them; the head of the chain is signed with HMAC-SHA256 under
a key the database does not hold. Any edit, deletion or reordering breaks a link; cutting off
the tail leaves the chain shorter than the signed head says.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainLink:
    """What a record contributes to the chain."""

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
    previous_hash: str
    hash: str


def utc_text(moment: datetime) -> str:
    """One spelling of a moment for every backend (SQLite gives it back without a zone)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(link: ChainLink) -> str:
    fields = {
        "id": link.id,
        "at": utc_text(link.at),
        "actor": link.actor,
        "agency": link.agency,
        "action": link.action,
        "object_type": link.object_type,
        "object_id": link.object_id,
        "before": link.before,
        "after": link.after,
        "outcome": link.outcome,
        "detail": link.detail,
        "previous_hash": link.previous_hash,
    }
    return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


def sign_head(key: bytes, last_id: int, last_hash: str) -> str:
    return hmac.new(key, f"{last_id}:{last_hash}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedHead:
    last_id: int
    last_hash: str
    signature: str


@dataclass(frozen=True)
class ChainReport:
    records: int
    first_break: str | None  # None: the chain is whole

    @property
    def intact(self) -> bool:
        return self.first_break is None


def check_chain(links: Iterable[ChainLink], head: SignedHead | None, key: bytes) -> ChainReport:
    """Walk the chain in id order and name the first broken link, if any."""
    expected_id, previous, count = 1, GENESIS, 0
    for link in links:
        count += 1
        problem = _link_problem(link, expected_id, previous)
        if problem:
            return ChainReport(count, problem)
        expected_id, previous = link.id + 1, link.hash
    return ChainReport(count, _head_problem(head, expected_id - 1, previous, key))


def _link_problem(link: ChainLink, expected_id: int, previous: str) -> str | None:
    if link.id != expected_id:
        return f"record #{expected_id} is missing (the next record is #{link.id})"
    if link.previous_hash != previous:
        return (
            f"record #{link.id} does not follow record #{link.id - 1}: "
            "records were reordered, replaced or deleted"
        )
    if link_hash(link) != link.hash:
        return f"record #{link.id} was altered after it was written"
    return None


def _head_problem(head: SignedHead | None, last_id: int, last_hash: str, key: bytes) -> str | None:
    if head is None or (head.last_id == 0 and not head.signature):
        # A log never written to: nothing is signed yet, so there is nothing to cut.
        return None if last_id == 0 else "the chain head checkpoint is missing"
    if not hmac.compare_digest(head.signature, sign_head(key, head.last_id, head.last_hash)):
        return "the chain head checkpoint is not signed with this key: it was altered"
    if head.last_id > last_id:
        return (
            f"records #{last_id + 1} to #{head.last_id} are missing: "
            f"the chain ends at #{last_id} but its signed head is #{head.last_id}"
        )
    if head.last_id < last_id:
        return f"records after #{head.last_id} were added without moving the signed head"
    if head.last_hash != last_hash:
        return f"record #{last_id} is not the record the signed head names"
    return None
