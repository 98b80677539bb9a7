"""An account's outward channels, severed together when the account changes hands."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from assistme.adapters.persistence.models import (
    ConnectionRow,
    OAuthStateRow,
    TelegramLinkCodeRow,
    WebhookEndpointRow,
)


class SqlOutwardChannels:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def sever(self, user_id: UUID) -> None:
        # Webhook deliveries go with their endpoint (ON DELETE CASCADE); a pending consent would otherwise create a
        # connection for whoever holds its authorization URL.
        await self._session.execute(delete(WebhookEndpointRow).where(WebhookEndpointRow.owner_id == user_id))
        for rows in (ConnectionRow, OAuthStateRow, TelegramLinkCodeRow):
            await self._session.execute(delete(rows).where(rows.user_id == user_id))
