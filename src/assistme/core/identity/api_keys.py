"""API keys: credentials for service clients, made by admins, shown once, stored only as a digest."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.identity.authenticate import API_KEY_PREFIX
from assistme.core.identity.entities import ApiKey, Scope
from assistme.core.identity.ports import ApiKeyRepository, SecretDigest
from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import InvalidInput, NotFound
from assistme.core.shared.pagination import Page, PageRequest
from assistme.core.shared.uow import UnitOfWork

SHOWN_PREFIX = 10
"""How much of a key is kept in clear, so people can tell their keys apart."""


@dataclass(slots=True)
class CreateApiKey:
    """Make a key with the given scopes; the answer is the only time the secret is ever shown."""

    keys: ApiKeyRepository
    digest: SecretDigest
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, name: str, scopes: frozenset[Scope]) -> tuple[ApiKey, str]:
        principal.require_admin()
        if not name.strip():
            raise InvalidInput.field("name", "must not be blank")
        secret = self.digest.new_secret(API_KEY_PREFIX)
        key = await self.keys.add(
            name.strip(), secret[:SHOWN_PREFIX], self.digest.digest(secret), scopes, self.clock.now()
        )
        await self.uow.commit()
        return key, secret


@dataclass(slots=True)
class ListApiKeys:
    keys: ApiKeyRepository

    async def __call__(self, principal: Principal, page: PageRequest) -> Page[ApiKey]:
        principal.require_admin()
        return await self.keys.list(page)


@dataclass(slots=True)
class DeleteApiKey:
    """The key stops working with the next request: every request looks its digest up."""

    keys: ApiKeyRepository
    uow: UnitOfWork

    async def __call__(self, principal: Principal, key_id: UUID) -> None:
        principal.require_admin()
        if not await self.keys.delete(key_id):
            raise NotFound("no such API key")
        await self.uow.commit()
