"""Opening sessions and minting token pairs: shared by every way of signing in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from assistme.core.identity.entities import ClientInfo, Session, TokenPair, User
from assistme.core.identity.policy import IdentityPolicy
from assistme.core.identity.ports import AccessTokens, RefreshTokenRepository, SecretDigest, SessionRepository

REFRESH_PREFIX = "rt_"


@dataclass(slots=True)
class TokenMinter:
    sessions: SessionRepository
    refresh_tokens: RefreshTokenRepository
    access_tokens: AccessTokens
    digest: SecretDigest
    policy: IdentityPolicy

    async def open_session(self, user: User, client: ClientInfo, now: datetime) -> TokenPair:
        """A new session for ``user`` with its first pair; the caller commits."""
        expires_at = now + timedelta(seconds=self.policy.refresh_token_ttl)
        session = await self.sessions.add(user.id, client.user_agent, client.ip, now, expires_at)
        return await self.pair(user, session, now)

    async def pair(self, user: User, session: Session, now: datetime) -> TokenPair:
        """A fresh refresh token stored for ``session`` and an access token bound to it."""
        expires_at = now + timedelta(seconds=self.policy.refresh_token_ttl)
        refresh = self.digest.new_secret(REFRESH_PREFIX)
        await self.refresh_tokens.add(session.id, self.digest.digest(refresh), expires_at)
        access, ttl = self.access_tokens.issue(user, session.id, now)
        return TokenPair(access, refresh, ttl, session.id)
