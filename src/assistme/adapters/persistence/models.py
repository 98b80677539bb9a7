"""Database rows. They never leave the persistence adapters: repositories map them to core entities."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from assistme.core.analytics.histogram import BOUNDS_MS


class UserRow(UUIDv7AuditBase):
    __tablename__ = "users"

    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="user", index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    location_lat: Mapped[float | None] = mapped_column(Float)
    location_lon: Mapped[float | None] = mapped_column(Float)
    location_name: Mapped[str | None] = mapped_column(String(200))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    username: Mapped[str | None] = mapped_column(String(64))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    google_id: Mapped[str | None] = mapped_column(String(255), unique=True)


class SessionRow(UUIDv7AuditBase):
    __tablename__ = "auth_sessions"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_used_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class RefreshTokenRow(UUIDv7AuditBase):
    __tablename__ = "refresh_tokens"

    session_id: Mapped[UUID] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    spent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class ApiKeyRow(UUIDv7AuditBase):
    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200), default="")  # space-separated, as in OAuth2
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class ToolRow(UUIDv7AuditBase):
    __tablename__ = "tools"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    tool_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    input_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class AssistantRow(UUIDv7AuditBase):
    __tablename__ = "assistants"

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    assistant_type: Mapped[str] = mapped_column(String(32))
    is_secretary: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)


class AssistantToolRow(orm_registry.generate_base()):  # type: ignore[misc]
    """Which tools an assistant may use; the rows go with either side."""

    __tablename__ = "assistant_tools"

    assistant_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("assistants.id", ondelete="CASCADE"), primary_key=True)
    tool_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("tools.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class SecretaryLinkRow(UUIDv7AuditBase):
    """A link per period; at most one active (unlinked_at NULL) per user, enforced by a partial unique index."""

    __tablename__ = "secretary_links"
    __table_args__ = (
        Index(
            "uq_secretary_links_active_user",
            "user_id",
            unique=True,
            sqlite_where=text("unlinked_at IS NULL"),
            postgresql_where=text("unlinked_at IS NULL"),
        ),
    )

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assistant_id: Mapped[UUID] = mapped_column(ForeignKey("assistants.id", ondelete="CASCADE"), index=True)
    unlinked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class CronJobRow(UUIDv7AuditBase):
    __tablename__ = "cron_jobs"

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    cron_expression: Mapped[str | None] = mapped_column(String(200))
    run_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    misfire_policy: Mapped[str] = mapped_column(String(16))
    next_run_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), index=True)


class JobRunRow(UUIDv7AuditBase):
    """One per occurrence: the unique (job_id, scheduled_for) is what makes a run recorded at most once."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "scheduled_for", name="uq_job_runs_occurrence"),
        Index("ix_job_runs_status_lease", "status", "lease_until"),
    )

    job_id: Mapped[UUID] = mapped_column(ForeignKey("cron_jobs.id", ondelete="CASCADE"))
    owner_id: Mapped[UUID] = mapped_column(GUID, index=True)
    scheduled_for: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    delivery: Mapped[str | None] = mapped_column(String(16))
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_delivery_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), index=True)


class NotificationRow(UUIDv7AuditBase):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The entry outlives its job: deleting the job leaves the message in the inbox.
    run_id: Mapped[UUID | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class TelegramLinkCodeRow(UUIDv7AuditBase):
    """At most one per user; only the code's digest is kept."""

    __tablename__ = "telegram_link_codes"

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class ConnectionRow(UUIDv7AuditBase):
    """One per user and provider. ``sealed`` is the keyring's ciphertext of the tokens, bound to this row."""

    __tablename__ = "integration_connections"
    __table_args__ = (UniqueConstraint("user_id", "provider", name="uq_connections_user_provider"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    sealed: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    connected_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_refreshed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))


class OAuthStateRow(UUIDv7AuditBase):
    """A consent under way; only the state's digest is kept, and taking it deletes it."""

    __tablename__ = "oauth_states"

    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    verifier: Mapped[str] = mapped_column(String(128))
    return_url: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class SignInStateRow(UUIDv7AuditBase):
    """A Google sign-in under way: digests of the state and of the browser's cookie; taking it deletes it."""

    __tablename__ = "sign_in_states"

    digest: Mapped[str] = mapped_column(String(64), unique=True)
    browser_digest: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    verifier: Mapped[str] = mapped_column(String(128))
    return_url: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class ConversationRow(UUIDv7AuditBase):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_owner_updated", "owner_id", "updated_at"),)

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(200))
    # A deleted assistant leaves the conversation to the owner's secretary.
    assistant_id: Mapped[UUID | None] = mapped_column(ForeignKey("assistants.id", ondelete="SET NULL"))
    # While a reply runs: the lease that keeps a second reply out (NULL, or past, when none runs).
    replying_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class MessageRow(UUIDv7AuditBase):
    """Ordered by id: UUIDv7 ids grow with time, and break the ties of one timestamp."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    conversation_id: Mapped[UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str | None] = mapped_column(Text)
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    tool_call_id: Mapped[str | None] = mapped_column(String(200))
    tool_name: Mapped[str | None] = mapped_column(String(100))


class AgentTaskRow(UUIDv7AuditBase):
    """Listed newest first by id (UUIDv7); the sweeper finds stale leases by (status, lease_until)."""

    __tablename__ = "agent_tasks"
    __table_args__ = (
        Index("ix_agent_tasks_owner_id_id", "owner_id", "id"),
        Index("ix_agent_tasks_status_lease", "status", "lease_until"),
    )

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assistant_id: Mapped[UUID | None] = mapped_column(ForeignKey("assistants.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    tool_calls: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    job_id: Mapped[UUID | None] = mapped_column(GUID)
    # One task per run, whichever attempt at the run queued it.
    run_id: Mapped[UUID | None] = mapped_column(GUID, unique=True)


class PendingActionRow(UUIDv7AuditBase):
    __tablename__ = "pending_actions"

    conversation_id: Mapped[UUID] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    result: Mapped[Any] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500))


class WebhookEndpointRow(UUIDv7AuditBase):
    __tablename__ = "webhook_endpoints"

    owner_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sealed_secrets: Mapped[str] = mapped_column(Text)  # the keyring's ciphertext of the secret and the previous one
    previous_expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    failing_since: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # The latest failure: a record whose last failure is old lapsed while the endpoint sat idle.
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    disabled_reason: Mapped[str | None] = mapped_column(String(500))


class WebhookDeliveryRow(UUIDv7AuditBase):
    """Due work is found by (status, next_attempt_at); ``lease_until`` marks one queued or being attempted."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
    )

    endpoint_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    owner_id: Mapped[UUID] = mapped_column(GUID)
    message_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class WebhookAttemptRow(UUIDv7AuditBase):
    __tablename__ = "webhook_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "attempt", name="uq_webhook_attempts_attempt"),)

    delivery_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    response_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))


class IdempotencyKeyRow(UUIDv7AuditBase):
    """A claimed Idempotency-Key, one per (principal, route, key); its id is new on every claim. The answer's body
    is the keyring's ciphertext: it may hold what the first answer showed once."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("principal", "route", "key", name="uq_idempotency_keys_scope"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    principal: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    route: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    locked_until: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[list[list[str]] | None] = mapped_column(JSON)
    response_body: Mapped[str | None] = mapped_column(Text)


LATENCY_COLUMNS = [f"le_{str(bound).replace('.', '_')}" for bound in BOUNDS_MS] + ["le_inf"]
"""One count per latency bucket of the core's histogram, named by its upper bound in ms (``le_1_5``: over 1 ms,
at most 1.5 ms); changing the buckets takes a migration."""

api_calls = Table(
    "api_calls",
    orm_registry.metadata,
    # One row per minute, route template and method; each API process adds its batches to it (an upsert).
    # Written and read with SQL expressions only, so it has no ORM class.
    Column("minute", DateTimeUTC(timezone=True), primary_key=True),
    Column("route", String(255), primary_key=True),
    Column("method", String(10), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("server_errors", Integer, nullable=False),
    Column("client_errors", Integer, nullable=False),
    *(Column(name, Integer, nullable=False) for name in LATENCY_COLUMNS),
)
