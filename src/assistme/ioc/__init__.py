"""dishka providers: which adapter serves which port, in the served and the embedded setup; a module per context."""

from __future__ import annotations

from dishka import AsyncContainer, Provider, make_async_container

from assistme.config import Settings
from assistme.ioc.assistants import Assistants
from assistme.ioc.briefing import Briefing
from assistme.ioc.conversations import Conversations
from assistme.ioc.identity import Identity
from assistme.ioc.integrations import Integrations
from assistme.ioc.platform import Embedded, Outbound, Persistence, Queueing, Security, Served
from assistme.ioc.records import Analytics, Housekeeping, Idempotency
from assistme.ioc.scheduling import Scheduling
from assistme.ioc.webhooks import Webhooks

__all__ = ["Analytics", "Queueing", "core_providers", "make_container"]


def core_providers(settings: Settings) -> list[Provider]:
    mode = Embedded() if settings.embedded else Served()
    return [
        Persistence(),
        Security(),
        mode,
        Identity(),
        Assistants(),
        Outbound(),
        Scheduling(),
        Integrations(),
        Briefing(),
        Conversations(),
        Webhooks(),
        Housekeeping(),
        Idempotency(),
        Analytics(),
        Queueing(),
    ]


def make_container(settings: Settings, *providers: Provider) -> AsyncContainer:
    """Later providers override earlier ones: that is how tests swap a port for a fake."""
    return make_async_container(*core_providers(settings), *providers, context={Settings: settings})
