"""The rules of the integrations context that come from settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from assistme.core.shared.errors import Unavailable

REFRESH_MARGIN = timedelta(minutes=5)  # an access token this close to expiry is refreshed before use


@dataclass(frozen=True, slots=True)
class IntegrationsPolicy:
    state_ttl: timedelta = timedelta(minutes=15)
    client_configured: bool = True
    connect_limit: str = "5/minute"  # consents a person may start
    execute_limit: str = "30/minute"  # actions a person may run through /integrations/{id}/execute

    def require_client(self) -> None:
        if not self.client_configured:
            raise Unavailable("Google is not configured on this server (ASSISTME_GOOGLE_CLIENT_ID)", retry_after=3600)
