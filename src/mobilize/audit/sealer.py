"""The sealer: puts committed records into the Merkle tree, in id order, and signs its head.

Writers only append records; the sealer alone extends the tree, one at a time (an advisory
lock on PostgreSQL; SQLite's write lock already admits one writer), from the right edge kept
with the last head, so a seal reads only the records since. It takes each record's leaf hash
as written (a record changed since is then caught by verify), and refuses to sign over a log
that does not extend the latest head its witness holds. The witness hears of a head only once
the head is committed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from mobilize.audit.heads import TreeHead, sign_head
from mobilize.audit.merkle import Frontier
from mobilize.audit.models import AuditLeaf, AuditRecord, AuditTreeHead, head_of
from mobilize.audit.witness import Witness, latest
from mobilize.core.db import session_scope
from mobilize.core.errors import LogRolledBack, MobilizeError

SEAL_INTERVAL = 2.0  # seconds between seals while records come in
SEALER_LOCK = 0x6D6F62696C697A  # PostgreSQL advisory lock id: "mobiliz"
logger = logging.getLogger(__name__)


def seal(
    session: Session, key: bytes, witness: Witness | None = None, now: datetime | None = None
) -> TreeHead | None:
    """Put every committed record not yet in the tree into it and sign the new head; None
    when there was nothing to seal. Raises LogRolledBack when the witness holds a head this
    log does not extend."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": SEALER_LOCK})
    newest = session.scalars(
        select(AuditTreeHead).order_by(AuditTreeHead.tree_size.desc()).limit(1)
    ).first()
    if witness is not None:
        _refuse_rollback(session, witness, newest)
    pending = session.execute(
        select(AuditRecord.id, AuditRecord.hash)
        .outerjoin(AuditLeaf, AuditLeaf.record_id == AuditRecord.id)
        .where(AuditLeaf.record_id.is_(None))
        .order_by(AuditRecord.id)
    ).all()
    if not pending:
        return None
    frontier = Frontier.from_json(newest.tree_size, newest.frontier) if newest else Frontier()
    for record_id, leaf in pending:
        session.add(AuditLeaf(leaf_index=frontier.size, record_id=record_id, leaf_hash=leaf))
        frontier.append(bytes.fromhex(leaf))
    head = sign_head(key, frontier.size, frontier.root().hex(), now or datetime.now(UTC))
    session.add(
        AuditTreeHead(
            tree_size=head.size,
            root_hash=head.root_hash,
            issued_at=head.issued_at,
            signature=head.signature,
            frontier=frontier.to_json(),
        )
    )
    session.flush()
    return head


def _refuse_rollback(session: Session, witness: Witness, newest: AuditTreeHead | None) -> None:
    """Every head the witness holds came from this log, so the log keeps a head of the same
    size and root; a missing or different one means the database went back in time."""
    held = latest(witness.heads())
    if held is None or held.size == 0:
        return
    same = session.get(AuditTreeHead, held.size)
    if same is None or same.root_hash != held.root_hash:
        size = newest.tree_size if newest else 0
        raise LogRolledBack(
            f"the witness holds {held.describe()}, which this log ({size} sealed records) "
            "does not extend: nothing is sealed until `mobilize audit verify` is read"
        )


def seal_now(engine: Engine, key: bytes, witness: Witness | None = None) -> TreeHead | None:
    """Seal in a transaction of its own; the witness hears of the head once it is committed."""
    with session_scope(engine) as session:
        head = seal(session, key, witness)
    if head is not None and witness is not None:
        witness.remember(head)
    return head


def latest_head(session: Session) -> TreeHead | None:
    row = session.scalars(
        select(AuditTreeHead).order_by(AuditTreeHead.tree_size.desc()).limit(1)
    ).first()
    return head_of(row) if row else None


class Sealer:
    """Seals every SEAL_INTERVAL seconds in a thread of the server (each worker runs one; the
    lock lets one at a time through). `before_seal` runs first in the same transaction: what
    must reach the log before its head is signed (failed-authentication counts)."""

    def __init__(
        self,
        engine: Engine,
        key: bytes,
        witness: Witness | None,
        before_seal: Callable[[Session], object] | None = None,
        interval: float = SEAL_INTERVAL,
    ) -> None:
        self.engine, self.key, self.witness = engine, key, witness
        self.before_seal, self.interval = before_seal, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audit-sealer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.seal_logged()

    def seal_logged(self) -> None:
        """`seal_once`, its failure logged: the server keeps serving, and `audit verify` names
        what went wrong. A known failure (a rollback, the database gone) is one line, every
        interval; only the unforeseen carry their traceback."""
        try:
            self.seal_once()
        except MobilizeError as error:
            logger.error("sealing the audit log failed: %s", error.message)
        except Exception:
            logger.exception("sealing the audit log failed")

    def seal_once(self) -> TreeHead | None:
        with session_scope(self.engine) as session:
            if self.before_seal is not None:
                self.before_seal(session)
            head = seal(session, self.key, self.witness)
        if head is not None and self.witness is not None:
            self.witness.remember(head)
        return head
