"""request number counters

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    counters = op.create_table(
        "request_number_counters",
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_request_number_counters")),
    )
    # Start every year's counter after the numbers already given out.
    numbers = op.get_bind().execute(sa.text("SELECT number FROM support_requests")).scalars()
    last: Counter[str] = Counter()
    for number in numbers:
        prefix, _, serial = number.rpartition("-")
        last[prefix + "-"] = max(last[prefix + "-"], int(serial))
    if last:
        op.bulk_insert(counters, [{"prefix": p, "last": n} for p, n in last.items()])


def downgrade() -> None:
    op.drop_table("request_number_counters")
