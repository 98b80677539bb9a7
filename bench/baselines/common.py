"""What every baseline does before its query, exactly as assistme does it.

- The access token: an HS256 JWT verified by PyJWT with the algorithm pinned, ``aud``/``iss`` checked and
  the same claims required, under the key assistme derives from ``ASSISTME_SECRET_KEY``.
- The session check: one ``EXISTS <prefix>revoked:<sid>`` in Redis, as ``RedisRevocations.is_revoked``.
- The query: the same two statements for a page (the page with a window count, then the page's tool ids)
  and the same INSERT for a new assistant.
- The pool: ``ASSISTME_DATABASE_POOL_SIZE`` connections, kept open once opened, none beyond it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from uuid import UUID

import jwt

REQUIRED = ["sub", "sid", "exp", "iat", "iss", "aud", "typ", "role"]

PAGE_SQL = (
    "SELECT id, owner_id, name, model, instructions, assistant_type, is_secretary, description, created_at, "
    "updated_at, count(*) OVER () AS total FROM assistants WHERE owner_id = $1 "
    "ORDER BY created_at ASC LIMIT $2 OFFSET $3"
)
TOOLS_SQL = "SELECT assistant_id, tool_id FROM assistant_tools WHERE assistant_id = ANY($1::uuid[]) ORDER BY position"
INSERT_SQL = (
    "INSERT INTO assistants (id, owner_id, name, model, instructions, assistant_type, is_secretary, description, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)


@dataclass(frozen=True, slots=True)
class Env:
    database_dsn: str  # plain asyncpg DSN (postgresql://...)
    database_url: str  # SQLAlchemy URL (postgresql+asyncpg://...)
    redis_url: str
    revoked_prefix: str
    key: bytes
    issuer: str
    audience: str
    pool_size: int


def load_env() -> Env:
    url = os.environ["ASSISTME_DATABASE_URL"]
    secret = os.environ["ASSISTME_SECRET_KEY"]
    return Env(
        database_dsn=url.replace("postgresql+asyncpg://", "postgresql://", 1),
        database_url=url,
        redis_url=os.environ["ASSISTME_REDIS_URL"],
        revoked_prefix=os.environ.get("ASSISTME_REDIS_KEY_PREFIX", "assistme:") + "revoked:",
        key=hmac.new(secret.encode(), b"access-token", hashlib.sha256).digest(),
        issuer=os.environ.get("ASSISTME_JWT_ISSUER", "assistme"),
        audience=os.environ.get("ASSISTME_JWT_AUDIENCE", "assistme-api"),
        pool_size=int(os.environ.get("ASSISTME_DATABASE_POOL_SIZE", "20")),
    )


class Denied(Exception):
    """No valid bearer token, or its session has ended: the caller answers 401."""


def verify(env: Env, authorization: str | None) -> tuple[UUID, UUID]:
    """(user id, session id) of a valid access token in an Authorization header."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Denied("a bearer token is required")
    try:
        claims = jwt.decode(
            token.strip(),
            env.key,
            algorithms=["HS256"],
            audience=env.audience,
            issuer=env.issuer,
            options={"require": REQUIRED, "strict_aud": True},
        )
        if claims["typ"] != "access":
            raise Denied("not an access token")
        return UUID(claims["sub"]), UUID(claims["sid"])
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise Denied("invalid or expired access token") from exc
