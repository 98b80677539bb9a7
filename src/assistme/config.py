"""Settings, read once from ``ASSISTME_*`` environment variables and an optional ``.env`` file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import msgspec
from dotenv import dotenv_values

DEV_SECRET = "dev-only-secret-do-not-use-in-production-0000"  # noqa: S105 (refused in production)
"""The secret a development checkout runs with; production refuses it."""

PREFIX = "ASSISTME_"


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Everything configurable. Each field is read from ``ASSISTME_<FIELD>`` (upper case)."""

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/assistme.db"
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

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: everything runs in one process."""
        return self.redis_url is None

    def check(self) -> None:
        """Refuse settings that must never run in production."""
        if self.environment != "production":
            return
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            raise ValueError(
                "ASSISTME_SECRET_KEY must be set to a random value of at least 32 characters in production"
            )


_LISTS = {name for name, kind in Settings.__annotations__.items() if "list[" in str(kind)}


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
        elif field == "redis_url" and raw.strip() == "":
            values[field] = None
        else:
            values[field] = raw
    try:
        settings = msgspec.convert(values, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise ValueError(f"invalid setting: {exc}") from exc
    settings.check()
    return settings
