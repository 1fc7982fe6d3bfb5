"""fills, an operation's lead, request acceptance, workflow statuses checked

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_STATUSES = ("draft", "submitted", "in_execution", "closed", "cancelled")
LINE_STATUSES = (
    "draft",
    "submitted",
    "acknowledged",
    "offered",
    "declined",
    "approved",
    "partially_approved",
    "denied",
    "in_execution",
    "closed",
    "cancelled",
)
FILL_STATUSES = ("assigned", "mobilizing", "en_route", "on_site", "demobilizing", "released")


def _one_of(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table("operations") as batch_op:
        batch_op.add_column(sa.Column("lead_agency_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_operations_lead_agency_id_agencies"),
            "agencies",
            ["lead_agency_id"],
            ["id"],
        )
    with op.batch_alter_table("support_requests") as batch_op:
        batch_op.add_column(sa.Column("accepted_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint("request_status", _one_of(REQUEST_STATUSES))
    with op.batch_alter_table("request_lines") as batch_op:
        batch_op.create_check_constraint("line_status", _one_of(LINE_STATUSES))
    # Requests filed before there was a lead to accept them bound their operations: they stay
    # in force, as taken in by this upgrade.
    op.execute(
        "UPDATE support_requests SET accepted_by = 'upgrade 0008', "
        "accepted_at = CURRENT_TIMESTAMP WHERE operation_id IS NOT NULL "
        "AND status NOT IN ('draft', 'cancelled')"
    )
    op.create_table(
        "fills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("personnel", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_unit", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("checked_in_on", sa.Date(), nullable=True),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(_one_of(FILL_STATUSES), name=op.f("ck_fills_fill_status")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_fills_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["request_lines.id"],
            name=op.f("fk_fills_line_id_request_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["support_requests.id"],
            name=op.f("fk_fills_request_id_support_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_fills_unit_id_units"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
    )
    op.create_index(op.f("ix_fills_request_id"), "fills", ["request_id"])
    op.create_index(op.f("ix_fills_line_id"), "fills", ["line_id"])
    op.create_index(
        "uq_fills_active_unit",
        "fills",
        ["unit_id"],
        unique=True,
        sqlite_where=sa.text("status != 'released'"),
        postgresql_where=sa.text("status != 'released'"),
    )
    op.create_table(
        "fill_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(_one_of(FILL_STATUSES), name=op.f("ck_fill_events_fill_event_status")),
        sa.ForeignKeyConstraint(
            ["fill_id"],
            ["fills.id"],
            name=op.f("fk_fill_events_fill_id_fills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fill_events")),
    )
    op.create_index(op.f("ix_fill_events_fill_id"), "fill_events", ["fill_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fill_events_fill_id"), table_name="fill_events")
    op.drop_table("fill_events")
    op.drop_index("uq_fills_active_unit", table_name="fills")
    op.drop_index(op.f("ix_fills_line_id"), table_name="fills")
    op.drop_index(op.f("ix_fills_request_id"), table_name="fills")
    op.drop_table("fills")
    with op.batch_alter_table("request_lines") as batch_op:
        batch_op.drop_constraint(op.f("ck_request_lines_line_status"), type_="check")
    with op.batch_alter_table("support_requests") as batch_op:
        batch_op.drop_constraint(op.f("ck_support_requests_request_status"), type_="check")
        batch_op.drop_column("accepted_at")
        batch_op.drop_column("accepted_by")
    with op.batch_alter_table("operations") as batch_op:
        batch_op.drop_constraint(op.f("fk_operations_lead_agency_id_agencies"), type_="foreignkey")
        batch_op.drop_column("lead_agency_id")
