"""Settings, read once from ``ASSISTME_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

import json
import os
import re
from ipaddress import ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec
from cryptography.fernet import Fernet
from dotenv import dotenv_values
from limits import parse

from assistme.core.shared.returns import AllowedReturn
from assistme.core.webhooks.policy import DEFAULT_SCHEDULE

DEV_SECRET = "dev-only-secret-do-not-use-in-production-0000"  # noqa: S105 (refused in production)
"""The secret a development checkout runs with; production refuses it."""

PREFIX = "ASSISTME_"


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Everything configurable. Each field is read from ``ASSISTME_<FIELD>`` (upper case)."""

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/assistme.db"
    database_pool_size: int = 20  # PostgreSQL connections each process keeps open
    database_max_overflow: int = 10  # more it may open under load, closed again when returned
    database_pool_timeout: float = 10.0  # seconds a request waits for a connection (and to connect) before 503
    redis_url: str | None = None
    redis_key_prefix: str = "assistme:"
    secret_key: str = DEV_SECRET
    access_token_ttl: int = 15 * 60
    refresh_token_ttl: int = 30 * 24 * 3600
    refresh_reuse_grace: int = 30
    jwt_issuer: str = "assistme"
    jwt_audience: str = "assistme-api"
    cors_origins: list[str] = msgspec.field(default_factory=list)
    trusted_proxies: list[str] = msgspec.field(default_factory=list)
    rate_limit_enabled: bool = True
    rate_limit_default: str = "100/minute"
    rate_limit_auth: str = "10/minute"
    login_failures_per_email: str = "5/15minutes"
    login_failures_per_address: str = "20/15minutes"
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    argon2_parallelism: int = 1
    password_hash_concurrency: int = 4
    max_body_bytes: int = 1024 * 1024
    readiness_timeout: float = 2.0
    static_dir: str = "./var/static"
    log_level: str = "INFO"
    log_requests: bool = True
    analytics_enabled: bool = True  # per-request records for GET /analytics/api-calls, written in batches
    analytics_flush_interval: float = 5.0  # seconds between two writes of the records waiting
    analytics_batch_size: int = 1000  # this many waiting records start a write before the interval ends
    analytics_buffer_size: int = 100_000  # records waiting beyond this are dropped (and counted)
    metrics_enabled: bool = False  # Prometheus metrics at /metrics
    metrics_token: str | None = None  # the bearer token /metrics requires; required in production
    scheduler_in_process: bool | None = None  # None: on in the embedded setup, off in the served one
    scheduler_poll_interval: float = 0.5
    scheduler_sweep_interval: float = 5.0
    run_lease_seconds: int = 60
    misfire_grace_seconds: int = 60
    max_run_attempts: int = 3
    delivery_backoff: list[int] = msgspec.field(default_factory=lambda: [10, 60, 300, 1800, 7200])
    max_jobs_per_user: int = 200
    telegram_bot_token: str | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_timeout: float = 10.0
    public_url: str = "http://127.0.0.1:8000"  # where browsers reach this API: OAuth callbacks are built on it
    encryption_keys: list[str] = msgspec.field(default_factory=list)  # Fernet keys, newest first
    oauth_return_urls: list[str] = msgspec.field(default_factory=list)  # allowed return_url prefixes
    oauth_state_ttl: int = 15 * 60
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"  # noqa: S105 (an address, not a secret)
    google_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    google_jwks_url: str = "https://www.googleapis.com/oauth2/v3/certs"
    google_issuers: list[str] = msgspec.field(
        default_factory=lambda: ["https://accounts.google.com", "accounts.google.com"]
    )
    google_api_base: str | None = None  # None: each Google API at its own host; set, all of them here (tests)
    google_retries: int = 2
    google_timeout: float = 10.0
    llm_base_url: str | None = None  # an OpenAI-compatible server (Ollama, vLLM, LM Studio...) for `llm` assistants
    llm_api_key: str | None = None
    llm_model: str | None = None  # the model of `llm` assistants that name none
    openai_api_key: str | None = None  # OpenAI's own API, for `openai_api` assistants
    openai_base_url: str = "https://api.openai.com/v1"
    openai_model: str | None = "gpt-4o-mini"  # the model of `openai_api` assistants that name none
    llm_timeout: float = 60.0
    llm_retries: int = 2
    agent_max_steps: int = 8
    agent_token_budget: int = 20_000
    agent_history_chars: int = 24_000
    agent_max_depth: int = 2
    chat_rate_limit: str = "20/minute"
    task_rate_limit: str = "10/minute"
    connect_rate_limit: str = "5/minute"
    execute_rate_limit: str = "30/minute"
    open_meteo_base_url: str = "https://api.open-meteo.com"
    news_feeds: dict[str, str] = msgspec.field(default_factory=dict)  # feed name -> RSS or Atom URL
    weather_ttl: int = 10 * 60
    news_ttl: int = 15 * 60
    briefing_stale_ttl: int = 24 * 3600  # how long an expired copy is kept, served when the upstream fails
    briefing_timeout: float = 10.0  # one Open-Meteo or feed request, whole
    news_max_bytes: int = 2 * 1024 * 1024
    news_items_per_feed: int = 50
    dashboard_section_timeout: float = 20.0
    retention_days: int = 90  # job runs, webhook deliveries, read notifications and analytics older are pruned
    idempotency_retention_hours: int = 24  # how long a kept answer is replayed for its Idempotency-Key
    idempotency_lease_seconds: int = 600  # an unfinished claim older than this is presumed dead and taken over
    webhooks_allow_private: bool = False  # development and tests only: receivers on private addresses
    webhook_timeout: float = 15.0
    webhook_retry_schedule: list[int] = msgspec.field(default_factory=lambda: list(DEFAULT_SCHEDULE))
    webhook_failure_window: int = 5 * 24 * 3600

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: everything runs in one process."""
        return self.redis_url is None

    @property
    def google_redirect_uri(self) -> str:
        return self.public_url.rstrip("/") + "/api/v1/integrations/callback"

    @property
    def google_sign_in_redirect_uri(self) -> str:
        return self.public_url.rstrip("/") + "/api/v1/oauth/google/callback"

    @property
    def runs_scheduler(self) -> bool:
        """Whether the API process runs the scheduler loop itself."""
        return self.embedded if self.scheduler_in_process is None else self.scheduler_in_process

    def check(self) -> None:
        """Refuse what would fail on the first request, and settings that must never run in production."""
        for cidr in self.trusted_proxies:
            try:
                ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"{PREFIX}TRUSTED_PROXIES: {cidr!r} is not an address or a network") from None
        for name in _LIMITS:
            try:
                parse(getattr(self, name))
            except ValueError:
                raise ValueError(f"{PREFIX}{name.upper()} must read like 100/minute or 5/15minutes") from None
        if self.run_lease_seconds <= self.telegram_timeout:
            # else a slow Telegram answer outlives the lease and the sweeper hands the run to a second worker
            raise ValueError(f"{PREFIX}RUN_LEASE_SECONDS must be longer than {PREFIX}TELEGRAM_TIMEOUT")
        _check_webhooks(self.webhook_retry_schedule, self.webhook_timeout, self.webhook_failure_window)
        _check_analytics(self)
        _check_idempotency(self.idempotency_retention_hours, self.idempotency_lease_seconds)
        _check_pool(self.database_pool_size, self.database_max_overflow, self.database_pool_timeout)
        for entry in self.oauth_return_urls:
            try:
                AllowedReturn.parse(entry)
            except ValueError as exc:
                raise ValueError(f"{PREFIX}OAUTH_RETURN_URLS: {exc}") from None
        for key in self.encryption_keys:
            try:
                Fernet(key)
            except ValueError:
                raise ValueError(
                    f"{PREFIX}ENCRYPTION_KEYS: each key must be a Fernet key (32 bytes, base64url)"
                ) from None
        _check_feeds(self.news_feeds)
        if self.environment != "production":
            return
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            raise ValueError(
                "ASSISTME_SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        if not self.encryption_keys:
            # Webhook secrets and imported calendar credentials are sealed with or without a Google client; a key
            # derived from the secret key could not rotate apart from it.
            raise ValueError(
                f"{PREFIX}ENCRYPTION_KEYS must be set in production: it encrypts stored tokens and webhook secrets"
            )


_LISTS = {name for name, kind in Settings.__annotations__.items() if "list[" in str(kind)}
_MAPS = {name for name, kind in Settings.__annotations__.items() if "dict[" in str(kind)}
_FEED_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
_OPTIONAL = {
    "redis_url",
    "telegram_bot_token",
    "scheduler_in_process",
    "google_client_id",
    "google_client_secret",
    "google_api_base",
    "llm_base_url",
    "llm_api_key",
    "llm_model",
    "openai_api_key",
    "openai_model",
    "metrics_token",
}
_LIMITS = (
    "rate_limit_default",
    "rate_limit_auth",
    "login_failures_per_email",
    "login_failures_per_address",
    "chat_rate_limit",
    "task_rate_limit",
    "connect_rate_limit",
    "execute_rate_limit",
)
_AT_FIELD = re.compile(r" - at `\$\.(\w+)`$")


def _mapping(raw: str) -> object:
    """A JSON object, or ``name=value`` pairs separated by commas (a value may hold ``=``, not a comma)."""
    if raw.lstrip().startswith("{"):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"not a JSON object: {exc}") from None
    pairs = [item.partition("=") for item in raw.split(",") if item.strip()]
    if any(not sep or not name.strip() for name, sep, _ in pairs):
        raise ValueError("expected name=url pairs separated by commas, or a JSON object")
    return {name.strip(): value.strip() for name, _, value in pairs}


def _check_webhooks(schedule: list[int], timeout: float, failure_window: int) -> None:
    if not schedule or min(schedule) <= 0:
        raise ValueError(f"{PREFIX}WEBHOOK_RETRY_SCHEDULE must list positive seconds, like 5,300,1800")
    if timeout <= 0 or failure_window <= 0:
        raise ValueError(f"{PREFIX}WEBHOOK_TIMEOUT and {PREFIX}WEBHOOK_FAILURE_WINDOW must be positive")


def _check_analytics(settings: Settings) -> None:
    if settings.analytics_flush_interval <= 0 or settings.analytics_batch_size < 1:
        raise ValueError(f"{PREFIX}ANALYTICS_FLUSH_INTERVAL and {PREFIX}ANALYTICS_BATCH_SIZE must be positive")
    if settings.analytics_buffer_size < settings.analytics_batch_size:
        raise ValueError(f"{PREFIX}ANALYTICS_BUFFER_SIZE must be at least {PREFIX}ANALYTICS_BATCH_SIZE")
    if settings.environment == "production" and settings.metrics_enabled and not settings.metrics_token:
        # /metrics tells anyone who can reach it the routes, the traffic and the backlog
        raise ValueError(f"{PREFIX}METRICS_TOKEN must be set in production when {PREFIX}METRICS_ENABLED is on")


def _check_idempotency(retention_hours: int, lease_seconds: int) -> None:
    if retention_hours < 1 or lease_seconds < 1:
        raise ValueError(f"{PREFIX}IDEMPOTENCY_RETENTION_HOURS and {PREFIX}IDEMPOTENCY_LEASE_SECONDS must be positive")


def _check_pool(size: int, overflow: int, timeout: float) -> None:
    if size < 1 or overflow < 0 or timeout <= 0:
        raise ValueError(
            f"{PREFIX}DATABASE_POOL_SIZE must be at least 1, {PREFIX}DATABASE_MAX_OVERFLOW at least 0 and "
            f"{PREFIX}DATABASE_POOL_TIMEOUT positive"
        )


def _check_feeds(feeds: dict[str, str]) -> None:
    for name, url in feeds.items():
        if not _FEED_NAME.fullmatch(name):
            raise ValueError(f"{PREFIX}NEWS_FEEDS: {name!r} must be 1 to 40 letters, digits, '-' or '_'")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{PREFIX}NEWS_FEEDS: the URL of {name!r} must be an absolute http(s) URL")


def _explain(error: msgspec.ValidationError) -> str:
    """Name the variable, not msgspec's path; every raw value is a string, so "got `str`" says nothing."""
    message = str(error)
    if (at := _AT_FIELD.search(message)) is None:
        return f"invalid setting: {message}"
    reason = message[: at.start()].replace(", got `str`", "")
    return f"invalid setting {PREFIX}{at.group(1).upper()}: {reason}"


def load_settings(env: dict[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Build settings from the environment (and ``env_file`` when it exists); the environment wins."""
    source: dict[str, str | None] = {}
    if env_file is not None and Path(env_file).is_file():
        source.update(dotenv_values(env_file))
    source.update(os.environ if env is None else env)
    values: dict[str, object] = {}
    for field in Settings.__struct_fields__:
        raw = source.get(PREFIX + field.upper())
        if raw is None:
            continue
        if field in _LISTS:
            values[field] = [item.strip() for item in raw.split(",") if item.strip()]
        elif field in _MAPS:
            try:
                values[field] = _mapping(raw)
            except ValueError as exc:
                raise ValueError(f"invalid setting {PREFIX}{field.upper()}: {exc}") from None
        elif field in _OPTIONAL and raw.strip() == "":
            values[field] = None
        else:
            values[field] = raw
    try:
        settings = msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(_explain(exc)) from None
    settings.check()
    return settings
