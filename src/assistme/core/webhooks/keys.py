"""Re-encrypting the stored webhook secrets under the newest key, beside the connections' tokens."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from assistme.core.integrations.rotation import BATCH, Rotation
from assistme.core.shared.uow import UnitOfWork
from assistme.core.webhooks.ports import EndpointRepository


@dataclass(slots=True)
class ResealWebhookSecrets:
    """Every endpoint's secrets under the first encryption key, a batch per transaction. Run it with the
    connections' rotation (``assistme keys rotate``): an old key may go only once both report no failure."""

    endpoints: EndpointRepository
    uow: UnitOfWork

    async def __call__(self) -> Rotation:
        resealed = failed = 0
        after: UUID | None = None
        while True:
            after, done, refused = await self.endpoints.reseal(after, BATCH)
            await self.uow.commit()
            resealed, failed = resealed + done, failed + refused
            if after is None:
                return Rotation(resealed, failed)
