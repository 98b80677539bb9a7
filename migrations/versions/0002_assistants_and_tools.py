"""assistants and tools

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from uuid_utils.compat import uuid7

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    tools = op.create_table(
        "tools",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("tool_type", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("input_schema", sa.JSON(), nullable=False),
        sa.Column("is_builtin", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tools")),
        sa.UniqueConstraint("name", name=op.f("uq_tools_name")),
    )
    op.create_table(
        "assistants",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("owner_id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("assistant_type", sa.String(length=32), nullable=False),
        sa.Column("is_secretary", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_assistants_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistants")),
    )
    with op.batch_alter_table("assistants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistants_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "assistant_tools",
        sa.Column("assistant_id", GUID(length=16), nullable=False),
        sa.Column("tool_id", GUID(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assistant_id"],
            ["assistants.id"],
            name=op.f("fk_assistant_tools_assistant_id_assistants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tool_id"], ["tools.id"], name=op.f("fk_assistant_tools_tool_id_tools"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("assistant_id", "tool_id", name=op.f("pk_assistant_tools")),
    )
    with op.batch_alter_table("assistant_tools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistant_tools_tool_id"), ["tool_id"], unique=False)

    _seed_builtin_tools(tools)


def downgrade() -> None:
    with op.batch_alter_table("assistant_tools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistant_tools_tool_id"))

    op.drop_table("assistant_tools")
    with op.batch_alter_table("assistants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistants_owner_id"))

    op.drop_table("assistants")
    op.drop_table("tools")


# The built-in tools as they were at this revision: one per tool type, with the argument schemas the agent
# validates a model's calls against. Admins may describe them differently later; they are never deleted.
_BUILTIN = [
    (
        "time",
        "time",
        "The current date and time in the user's time zone, or in another IANA zone.",
        {
            "type": "object",
            "properties": {
                "timezone": {"type": "string", "description": "IANA zone, e.g. Europe/Berlin; default: the user's"}
            },
            "additionalProperties": False,
        },
    ),
    (
        "weather",
        "weather",
        "Current weather and today's high and low for a place (default: the user's saved location).",
        {
            "type": "object",
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "timezone": {"type": "string"},
            },
            "dependentRequired": {"lat": ["lon"], "lon": ["lat"]},
            "additionalProperties": False,
        },
    ),
    (
        "reminder",
        "reminder",
        "Remind the user of something at a given time: creates a one-off notification job.",
        {
            "type": "object",
            "properties": {
                "message": {"type": "string", "minLength": 1, "maxLength": 2000},
                "run_at": {"type": "string", "format": "date-time", "description": "ISO 8601 with a UTC offset"},
            },
            "required": ["message", "run_at"],
            "additionalProperties": False,
        },
    ),
    (
        "calendar",
        "calendar",
        "Read or change the user's Google Calendar. Changes wait for the user's confirmation.",
        {
            "type": "object",
            "properties": {
                "action": {"enum": ["list_events", "create_event", "update_event", "delete_event"]},
                "params": {"type": "object"},
            },
            "required": ["action"],
            "additionalProperties": False,
        },
    ),
    (
        "gmail",
        "gmail",
        "Read the user's Gmail, draft or send mail. Drafts and sends wait for the user's confirmation.",
        {
            "type": "object",
            "properties": {
                "action": {
                    "enum": [
                        "list_emails",
                        "get_email",
                        "get_thread",
                        "search_emails",
                        "unread_count",
                        "create_draft",
                        "send_email",
                    ]
                },
                "params": {"type": "object"},
            },
            "required": ["action"],
            "additionalProperties": False,
        },
    ),
    (
        "sub_assistant",
        "sub_assistant",
        "Ask another of the user's assistants a question and use its answer.",
        {
            "type": "object",
            "properties": {
                "assistant_id": {"type": "string", "format": "uuid"},
                "question": {"type": "string", "minLength": 1, "maxLength": 8000},
            },
            "required": ["assistant_id", "question"],
            "additionalProperties": False,
        },
    ),
]


def _seed_builtin_tools(table: sa.Table) -> None:
    now = datetime.now(UTC)
    op.bulk_insert(
        table,
        [
            {
                "id": uuid7(),
                "name": name,
                "tool_type": kind,
                "description": text,
                "input_schema": schema,
                "is_builtin": True,
                "created_at": now,
                "updated_at": now,
            }
            for name, kind, text, schema in _BUILTIN
        ],
    )
