"""Turning a bearer credential into a principal."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.entities import Role, Scope
from assistme.core.identity.ports import (
    AccessTokens,
    ApiKeyRepository,
    SecretDigest,
    SessionRevocations,
    UserRepository,
)
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import NotFound, PermissionDenied, Unauthenticated

API_KEY_PREFIX = "ak_"


@dataclass(slots=True)
class AuthenticateAccessToken:
    """A valid access token whose session has not ended. No database query: claims and the revocation store."""

    tokens: AccessTokens
    revocations: SessionRevocations

    async def __call__(self, token: str) -> Principal:
        claims = self.tokens.verify(token)
        if await self.revocations.is_revoked(claims.session_id):
            raise Unauthenticated("the session has ended")
        return Principal(claims.user_id, Role(claims.role), session_id=claims.session_id)


@dataclass(slots=True)
class AuthenticateApiKey:
    """A live API key; with ``act_as`` and a user id, the principal is that non-admin user."""

    keys: ApiKeyRepository
    users: UserRepository
    digest: SecretDigest

    async def __call__(self, secret: str, act_as: str | None) -> Principal:
        key = await self.keys.by_digest(self.digest.digest(secret))
        if key is None:
            raise Unauthenticated("invalid API key")
        if act_as is None:
            return Principal(None, api_key_id=key.id, scopes=key.scopes)
        if Scope.ACT_AS not in key.scopes:
            raise PermissionDenied("this API key lacks the act_as scope")
        try:
            user = await self.users.get(UUID(act_as))
        except ValueError:
            user = None
        if user is None or not user.is_active or user.is_admin:
            raise NotFound("no such user to act as")
        return Principal(user.id, user.role, api_key_id=key.id, scopes=key.scopes)
