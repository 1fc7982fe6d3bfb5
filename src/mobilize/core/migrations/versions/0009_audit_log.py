"""audit log as a Merkle tree with signed heads; sign-in throttles; failed-authentication counts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

The chain's `previous_hash` and its single signed head give way to RFC 9162 leaves and signed
tree heads; existing records keep their ids and get their leaf hash (the first seal after the
upgrade puts them into the tree). Record ids come from the database from now on.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("audit_records", "audit_leaves", "audit_tree_heads")
RECORD_FIELDS = (
    "id",
    "at",
    "actor",
    "agency",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "outcome",
    "detail",
)


def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only: {verb} refused'); END"""
        for verb in ("UPDATE", "DELETE")
    ]


def _postgresql_triggers(table: str) -> list[str]:
    # audit_records_append_only() is migration 0002's: it names the operation refused.
    return [
        f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()""",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()""",
    ]


def _refuse_changes(tables: Sequence[str]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        for statement in _postgresql_triggers(table) if postgresql else _sqlite_triggers(table):
            op.execute(statement)


def _allow_changes(tables: Sequence[str]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def _leaf_hash(row: Any) -> str:
    """The record's RFC 9162 leaf hash, as `audit.chain` computes it (written out here so
    that this revision means the same thing whatever the code becomes)."""
    fields = {name: getattr(row, name) for name in RECORD_FIELDS}
    moment: datetime = fields["at"]
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    fields["at"] = aware.isoformat(timespec="microseconds")
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + text.encode()).hexdigest()


def _rehash_records() -> None:
    records = sa.table(
        "audit_records",
        *(sa.column(name) for name in RECORD_FIELDS if name not in ("at", "before", "after")),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("before", sa.JSON),
        sa.column("after", sa.JSON),
        sa.column("hash", sa.String),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(records).order_by(records.c.id)).all():
        bind.execute(records.update().where(records.c.id == row.id).values(hash=_leaf_hash(row)))


def _ids_from_a_sequence() -> None:
    """PostgreSQL: ids from a sequence from now on (SQLite's INTEGER PRIMARY KEY is already
    the rowid, which the database assigns)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE audit_records_id_seq OWNED BY audit_records.id")
    op.execute(
        "SELECT setval('audit_records_id_seq', COALESCE((SELECT MAX(id) FROM audit_records), 0)"
        " + 1, false)"
    )
    op.execute(
        "ALTER TABLE audit_records ALTER COLUMN id SET DEFAULT nextval('audit_records_id_seq')"
    )


def upgrade() -> None:
    _allow_changes(["audit_records"])
    _rehash_records()
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.drop_column("previous_hash")
    _ids_from_a_sequence()
    op.drop_table("audit_head")
    op.create_table(
        "audit_leaves",
        sa.Column("leaf_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_audit_leaves")),
        sa.UniqueConstraint("record_id", name=op.f("uq_audit_leaves_record_id")),
    )
    op.create_table(
        "audit_tree_heads",
        sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_tree_heads")),
    )
    _refuse_changes(APPEND_ONLY)
    _create_auth_tables()


def _create_auth_tables() -> None:
    op.create_table(
        "auth_failures",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "minute", "kind", name=op.f("pk_auth_failures")),
    )
    op.create_table(
        "sign_in_throttles",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "subject", name=op.f("pk_sign_in_throttles")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_expires_at"), ["expires_at"])
    with op.batch_alter_table("idempotent_responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotent_responses_created_at"), ["created_at"])


def downgrade() -> None:
    """Back to the hash chain's shape. The chain itself is not rebuilt (its head needs the
    key, which migrations never see): `audit verify` of the older code reports it broken."""
    with op.batch_alter_table("idempotent_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotent_responses_created_at"))
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))
    op.drop_table("sign_in_throttles")
    op.drop_table("auth_failures")
    _allow_changes(APPEND_ONLY)
    op.drop_table("audit_tree_heads")
    op.drop_table("audit_leaves")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_records ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE audit_records_id_seq")
    with op.batch_alter_table("audit_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("previous_hash", sa.String(length=64), nullable=False, server_default="")
        )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    _refuse_changes(["audit_records"])
