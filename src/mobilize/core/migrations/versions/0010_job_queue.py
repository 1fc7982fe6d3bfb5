"""job queue: a job's attempts, heartbeat and queue entry; Procrastinate's schema (PostgreSQL)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Procrastinate's tables live in the same database as ours, so that a job and the change that
asked for it commit in one transaction. Its schema is the one the installed Procrastinate
ships; a later Procrastinate that changes it comes with a revision applying its migrations.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
PROCRASTINATE_TYPES = (
    "procrastinate_job_status",
    "procrastinate_job_event_type",
    "procrastinate_job_to_defer_v1",
)
# Every function Procrastinate made in this schema, whatever their number and signatures.
DROP_FUNCTIONS = """
DO $$
DECLARE found record;
BEGIN
    FOR found IN
        SELECT p.oid::regprocedure AS signature
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema()
    LOOP
        EXECUTE 'DROP FUNCTION ' || found.signature || ' CASCADE';
    END LOOP;
END $$;
"""


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("queue_job_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _script(bind, SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in PROCRASTINATE_TABLES:
            bind.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
        _script(bind, DROP_FUNCTIONS)
        for type_ in PROCRASTINATE_TYPES:
            bind.exec_driver_sql(f"DROP TYPE IF EXISTS {type_} CASCADE")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("queue_job_id")
        batch.drop_column("attempts")


def _script(bind: sa.Connection, sql: str) -> None:
    """Run a SQL script as it is: the driver reads % as a placeholder, so it is doubled."""
    bind.exec_driver_sql(sql.replace("%", "%%"))
