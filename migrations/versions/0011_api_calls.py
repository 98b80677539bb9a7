"""api calls: per-minute latency histograms per route and method, for GET /analytics/api-calls

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The core's latency buckets at this revision (upper bounds in ms, "_" for the decimal point), and the overflow.
LATENCY_COLUMNS = [
    "le_0_5", "le_1", "le_1_5", "le_2", "le_3", "le_5", "le_7",
    "le_10", "le_15", "le_20", "le_30", "le_50", "le_70",
    "le_100", "le_150", "le_200", "le_300", "le_500", "le_700",
    "le_1000", "le_1500", "le_2000", "le_3000", "le_5000", "le_7000",
    "le_10000", "le_20000", "le_30000", "le_60000", "le_inf",
]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "api_calls",
        sa.Column("minute", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("route", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("server_errors", sa.Integer(), nullable=False),
        sa.Column("client_errors", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in LATENCY_COLUMNS),
        sa.PrimaryKeyConstraint("minute", "route", "method", name=op.f("pk_api_calls")),
    )


def downgrade() -> None:
    op.drop_table("api_calls")
