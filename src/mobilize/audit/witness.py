"""The witness: signed tree heads remembered outside the database.

A signed head proves that a head was issued, not that it is the latest: whoever restores an
older copy of the database brings its older heads along. The witness remembers every head the
sealer issued, somewhere the database's owner does not write, so `audit verify` can ask the
log to prove that it still extends the latest of them. The file witness is an append-only
file beside the key (one JSON line per head, created readable by its owner only); the
`Witness` protocol is what a URL or a second database would implement.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Protocol

from mobilize.audit.chain import utc_text
from mobilize.audit.heads import TreeHead


class Witness(Protocol):
    def heads(self) -> list[TreeHead]:
        """Every head remembered, in the order they came."""

    def remember(self, head: TreeHead) -> None:
        """Keep `head` (never forget or replace an earlier one)."""


class FileWitness:
    """An append-only file of heads; several processes may append (one write per line)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def heads(self) -> list[TreeHead]:
        if not self.path.exists():
            return []
        lines = self.path.read_text().splitlines()
        return [_head_of(json.loads(line)) for line in lines if line.strip()]

    def remember(self, head: TreeHead) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(_fields_of(head), sort_keys=True) + "\n"
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line.encode())  # O_APPEND: one line lands whole, at the end
        finally:
            os.close(descriptor)


def latest(heads: list[TreeHead]) -> TreeHead | None:
    """The largest head (workers may append theirs in any order)."""
    return max(heads, key=lambda head: (head.size, head.issued_at), default=None)


def _fields_of(head: TreeHead) -> dict[str, object]:
    return {
        "tree_size": head.size,
        "root_hash": head.root_hash,
        "issued_at": utc_text(head.issued_at),
        "signature": head.signature,
    }


def _head_of(fields: dict[str, object]) -> TreeHead:
    return TreeHead(
        size=int(str(fields["tree_size"])),
        root_hash=str(fields["root_hash"]),
        issued_at=datetime.fromisoformat(str(fields["issued_at"])),
        signature=str(fields["signature"]),
    )
