"""Access tokens: HS256 JWTs whose verification pins the algorithm and checks every claim."""

from __future__ import annotations

import time
from datetime import datetime
from functools import lru_cache
from uuid import UUID

import jwt

from assistme.core.identity.entities import User
from assistme.core.identity.ports import AccessClaims
from assistme.core.shared.errors import Unauthenticated

ALGORITHM = "HS256"
ACCESS = "access"
_REQUIRED = ["sub", "sid", "exp", "iat", "iss", "aud", "typ", "role"]
VERIFIED_KEPT = 4096
"""Tokens whose signature and claims passed, remembered: a client sends the same one for its whole lifetime."""


class JwtAccessTokens:
    def __init__(self, key: bytes, issuer: str, audience: str, ttl: int) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl
        # Only tokens that verified are kept (a refused one raises, and lru_cache keeps no exceptions), and each use
        # checks the expiry again; whether the session still lives is the revocation store's question, every time.
        self._verified = lru_cache(maxsize=VERIFIED_KEPT)(self._decode)

    def issue(self, user: User, session_id: UUID, now: datetime) -> tuple[str, int]:
        issued = int(now.timestamp())
        claims = {
            "sub": str(user.id),
            "sid": str(session_id),
            "role": user.role.value,
            "iat": issued,
            "exp": issued + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
            "typ": ACCESS,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM), self._ttl

    def verify(self, token: str) -> AccessClaims:
        claims, expires = self._verified(token)
        if expires <= time.time():
            raise Unauthenticated("invalid or expired access token")
        return claims

    def _decode(self, token: str) -> tuple[AccessClaims, float]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": _REQUIRED, "strict_aud": True},
            )
            if claims["typ"] != ACCESS:
                raise Unauthenticated("not an access token")
            return AccessClaims(UUID(claims["sub"]), UUID(claims["sid"]), str(claims["role"])), float(claims["exp"])
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthenticated("invalid or expired access token") from exc
