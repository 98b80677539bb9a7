"""The provider registry: every module of this package is imported once, and each class decorated with
``@register`` becomes a provider. Adding a provider is adding a module."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import quote

import httpx

from assistme.adapters.google.api import GoogleApi, ScopesRefused
from assistme.core.integrations.catalog import ProviderSpec
from assistme.core.integrations.errors import MissingScopes
from assistme.core.integrations.ports import ProviderApi
from assistme.core.shared.errors import InvalidInput

PACKAGE = "assistme.adapters.google"


class ProviderClass(Protocol):
    spec: ClassVar[ProviderSpec]
    default_base: ClassVar[str]

    def __init__(self, api: GoogleApi) -> None: ...

    async def run(self, action: str, params: dict[str, Any], access_token: str) -> Any: ...


P = TypeVar("P", bound=type[ProviderClass])
Handler = Callable[[dict[str, Any], str], Awaitable[Any]]
_REGISTERED: dict[str, type[ProviderClass]] = {}


def register(cls: P) -> P:
    """Make ``cls`` the provider named ``cls.spec.name``."""
    name = cls.spec.name
    if _REGISTERED.get(name, cls) is not cls:
        raise ValueError(f"two providers are named {name!r}")
    _REGISTERED[name] = cls
    return cls


def _discover() -> None:
    package = importlib.import_module(PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{PACKAGE}.{module.name}")


def segment(value: str) -> str:
    """One path segment, quoted: calendar ids hold '@' and '#', and no value may add a segment of its own."""
    return quote(value, safe="")


class GoogleProvider:
    """A base for providers: ``run`` calls the method named after the action with the (already validated)
    parameters and the access token. Google refusing the token's scopes (credentials imported with fewer scopes
    than they claimed) answers like the catalog's own check: the scopes to ask for, and where to reconnect."""

    spec: ClassVar[ProviderSpec]
    default_base: ClassVar[str]

    def __init__(self, api: GoogleApi) -> None:
        self.api = api

    async def run(self, action: str, params: dict[str, Any], access_token: str) -> Any:
        spec = self.spec.action(action)
        handler: Handler | None = getattr(self, action, None) if spec else None
        if spec is None or handler is None:
            raise InvalidInput.field("action", f"{self.spec.name} has no action {action!r}")
        try:
            return await handler(params, access_token)
        except ScopesRefused as refused:
            # Google names every scope that would have done; the action's own are the ones a reconnect asks for.
            missing = [scope for scope in spec.scopes if scope in refused.accepted] or list(spec.scopes)
            raise MissingScopes(self.spec.name, action, missing) from None


class RegisteredProviders:
    """The core's ``Providers`` port: one instance of every registered provider, each on its Google host (or on
    ``api_base`` for all of them, as tests do)."""

    def __init__(self, client: httpx.AsyncClient, api_base: str | None, retries: int, timeout: float) -> None:
        _discover()
        self._providers: dict[str, ProviderApi] = {
            name: cls(GoogleApi(client, api_base or cls.default_base, retries, timeout))
            for name, cls in sorted(_REGISTERED.items())
        }

    def specs(self) -> Sequence[ProviderSpec]:
        return [provider.spec for provider in self._providers.values()]

    def get(self, name: str) -> ProviderApi | None:
        return self._providers.get(name)
