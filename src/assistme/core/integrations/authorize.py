"""The consent round trip: a state and a PKCE verifier out, a code and the same state back."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit, urlunsplit

from assistme.core.identity.ports import SecretDigest, Throttle
from assistme.core.identity.principal import Principal
from assistme.core.integrations.entities import PendingAuthorization
from assistme.core.integrations.policy import IntegrationsPolicy
from assistme.core.integrations.ports import (
    AuthorizationRepository,
    ConnectionRepository,
    GrantRevoked,
    Keyring,
    OAuthClient,
    ProviderApi,
    Providers,
)
from assistme.core.integrations.store import store_connection
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import BadRequest, NotFound, RateLimited, Unavailable
from assistme.core.shared.returns import ReturnAllowList
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.ports import Events

_REASON = re.compile(r"[^a-z0-9_]")


def provider_api(providers: Providers, name: str) -> ProviderApi:
    api = providers.get(name)
    if api is None:
        raise NotFound(f"there is no provider named {name!r}; GET /api/v1/integrations/available lists them")
    return api


def with_status(return_url: str, **params: str) -> str:
    """``return_url`` with ``params`` added to its query."""
    parts = urlsplit(return_url)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit(parts._replace(query=query))


@dataclass(slots=True)
class StartConnect:
    """Begin a consent for ``provider``: the state (kept as a digest) lives for the policy's TTL and is good for one
    callback; the return address must be on the allow-list."""

    providers: Providers
    pending: AuthorizationRepository
    oauth: OAuthClient
    digest: SecretDigest
    returns: ReturnAllowList
    policy: IntegrationsPolicy
    throttle: Throttle
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, principal: Principal, provider: str, return_url: str) -> str:
        user_id = principal.require_user()
        api = provider_api(self.providers, provider)
        self.returns.check(return_url)
        self.policy.require_client()
        if (wait := await self.throttle.hit(self.policy.connect_limit, f"connect:{user_id}")) is not None:
            raise RateLimited("too many connection attempts: wait a moment", wait)
        state, verifier = self.digest.new_secret(""), self.digest.new_secret("")
        expires_at = self.clock.now() + self.policy.state_ttl
        pending = PendingAuthorization(self.digest.digest(state), user_id, provider, verifier, return_url, expires_at)
        await self.pending.add(pending)
        await self.uow.commit()
        return self.oauth.authorization_url(api.spec.scopes, state, verifier)


@dataclass(slots=True)
class CompleteConnect:
    """The provider sent the browser back. An unknown, expired or spent state is refused and nothing is stored;
    a known one is spent whatever happens next. The answer is where to send the browser: the return address
    with ``status=connected``, or ``status=error&reason=...``. A reconnect replaces the earlier connection (its
    grant is not revoked: the provider may have handed back that same grant)."""

    providers: Providers
    pending: AuthorizationRepository
    connections: ConnectionRepository
    oauth: OAuthClient
    keyring: Keyring
    digest: SecretDigest
    events: Events
    uow: UnitOfWork
    clock: Clock

    async def __call__(self, state: str | None, code: str | None, error: str | None) -> str:
        taken = await self.pending.take(self.digest.digest(state), self.clock.now()) if state else None
        await self.uow.commit()  # spent before the provider is called, and no transaction held across the call
        if taken is None:
            raise BadRequest("this authorization is unknown, expired or already used; start again")
        if error or not code:
            return self._failed(taken, error or "missing_code")
        api = provider_api(self.providers, taken.provider)
        try:
            grant = await self.oauth.exchange(code, taken.verifier)
        except GrantRevoked:
            return self._failed(taken, "invalid_grant")
        except Unavailable:
            return self._failed(taken, "provider_unavailable")
        if grant.scopes is None:  # Google always says; a server that does not granted what was asked
            grant = replace(grant, scopes=api.spec.scopes)
        now = self.clock.now()
        await store_connection(
            self.connections,
            self.keyring,
            taken.user_id,
            taken.provider,
            grant,
            events=self.events,
            now=now,
            refreshed_at=now,
        )
        await self.uow.commit()
        return with_status(taken.return_url, status="connected", provider=taken.provider)

    @staticmethod
    def _failed(taken: PendingAuthorization, reason: str) -> str:
        reason = _REASON.sub("_", reason.lower())[:64]  # the provider's words, made safe for a URL and a page
        return with_status(taken.return_url, status="error", reason=reason, provider=taken.provider)
