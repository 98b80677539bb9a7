"""Errors that tell the client how to recover: which scopes are missing, where to ask for a new consent."""

from __future__ import annotations

from assistme.core.shared.errors import Conflict, PermissionDenied


def connect_path(provider: str) -> str:
    return f"/api/v1/integrations/{provider}/connect"


class MissingScopes(PermissionDenied):
    def __init__(self, provider: str, action: str, missing: list[str]) -> None:
        super().__init__(f"{action} needs scopes this {provider} connection was not granted; connect again")
        self.missing_scopes = missing
        self.reconnect_url = connect_path(provider)

    @property
    def extensions(self) -> dict[str, object]:
        return {"missing_scopes": self.missing_scopes, "reconnect_url": self.reconnect_url}


class NeedsReauth(Conflict):
    def __init__(self, provider: str) -> None:
        super().__init__(f"the {provider} connection was revoked or expired at the provider; connect again")
        self.reconnect_url = connect_path(provider)

    @property
    def extensions(self) -> dict[str, object]:
        return {"reconnect_url": self.reconnect_url}
