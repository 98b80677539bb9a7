"""integrations and google sign-in

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 18:30:27.056177
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_states",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("browser_digest", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("verifier", sa.String(length=128), nullable=False),
        sa.Column("return_url", sa.Text(), nullable=True),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_states")),
        sa.UniqueConstraint("digest", name=op.f("uq_sign_in_states_digest")),
    )
    with op.batch_alter_table("sign_in_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_states_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "integration_connections",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("connected_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("last_refreshed_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_integration_connections_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_connections")),
        sa.UniqueConstraint("user_id", "provider", name="uq_connections_user_provider"),
    )
    op.create_table(
        "oauth_states",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("verifier", sa.String(length=128), nullable=False),
        sa.Column("return_url", sa.Text(), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oauth_states_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_states")),
        sa.UniqueConstraint("digest", name=op.f("uq_oauth_states_digest")),
    )
    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_states_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_oauth_states_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("google_id", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_google_id"), ["google_id"])


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_google_id"), type_="unique")
        batch_op.drop_column("google_id")

    with op.batch_alter_table("oauth_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_states_user_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_states_expires_at"))

    op.drop_table("oauth_states")
    op.drop_table("integration_connections")
    with op.batch_alter_table("sign_in_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_states_expires_at"))

    op.drop_table("sign_in_states")
