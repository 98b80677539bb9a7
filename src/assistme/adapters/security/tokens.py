"""Access tokens: HS256 JWTs whose verification pins the algorithm and checks every claim."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import jwt

from assistme.core.identity.entities import User
from assistme.core.identity.ports import AccessClaims
from assistme.core.shared.errors import Unauthenticated

ALGORITHM = "HS256"
ACCESS = "access"
_REQUIRED = ["sub", "sid", "exp", "iat", "iss", "aud", "typ", "role"]


class JwtAccessTokens:
    def __init__(self, key: bytes, issuer: str, audience: str, ttl: int) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl

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
            return AccessClaims(UUID(claims["sub"]), UUID(claims["sid"]), str(claims["role"]))
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthenticated("invalid or expired access token") from exc
