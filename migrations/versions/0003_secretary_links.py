"""secretary links

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "secretary_links",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("assistant_id", GUID(length=16), nullable=False),
        sa.Column("unlinked_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistants.id"],
            name=op.f("fk_secretary_links_assistant_id_assistants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_secretary_links_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secretary_links")),
    )
    with op.batch_alter_table("secretary_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_secretary_links_assistant_id"), ["assistant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_secretary_links_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_secretary_links_active_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("unlinked_at IS NULL"),
            postgresql_where=sa.text("unlinked_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("secretary_links", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_secretary_links_active_user",
            sqlite_where=sa.text("unlinked_at IS NULL"),
            postgresql_where=sa.text("unlinked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_secretary_links_user_id"))
        batch_op.drop_index(batch_op.f("ix_secretary_links_assistant_id"))

    op.drop_table("secretary_links")
