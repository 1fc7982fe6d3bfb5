"""The audit log's tables, all three append-only (database triggers refuse UPDATE, DELETE and,
on PostgreSQL, TRUNCATE; migrations 0002 and 0009).

`audit_records` takes a record per change, its id from the database (a sequence, or SQLite's
rowid), so writers never wait for one another. `audit_leaves` puts records into the Merkle
tree in the order the sealer found them committed; `audit_tree_heads` keeps every signed
head with the tree's right edge, from which the next seal goes on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mobilize.audit.chain import RecordEntry
from mobilize.audit.heads import TreeHead
from mobilize.core.db import Base


class AuditRecord(Base):
    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(100))
    agency: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(100), index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))  # the record's leaf hash (RFC 9162), hex


class AuditLeaf(Base):
    """Leaf `leaf_index` of the tree is record `record_id`, whose leaf hash was `leaf_hash`."""

    __tablename__ = "audit_leaves"

    leaf_index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    record_id: Mapped[int] = mapped_column(unique=True)
    leaf_hash: Mapped[str] = mapped_column(String(64))


class AuditTreeHead(Base):
    """A signed tree head, and the right edge of the tree it closes (not signed: the next
    seal extends it, and verify recomputes every root from the records)."""

    __tablename__ = "audit_tree_heads"

    tree_size: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    root_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signature: Mapped[str] = mapped_column(String(128))
    frontier: Mapped[Any] = mapped_column(JSON)


def entry_of(record: AuditRecord) -> RecordEntry:
    return RecordEntry(
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
    )


def head_of(row: AuditTreeHead) -> TreeHead:
    return TreeHead(row.tree_size, row.root_hash, _aware(row.issued_at), row.signature)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
