"""Re-encrypting every stored secret under the newest key, so an old key can be retired."""

from __future__ import annotations

from dataclasses import dataclass

from assistme.core.integrations.ports import ConnectionRepository, Keyring
from assistme.core.shared.uow import UnitOfWork

BATCH = 200


@dataclass(frozen=True, slots=True)
class Rotation:
    resealed: int
    failed: int  # sealed under no configured key, or bound to another row: left as they are


@dataclass(slots=True)
class RotateKeys:
    """Reseal each connection's tokens under the first key of the keyring, a batch per transaction. Run it after
    putting a new key first in ASSISTME_ENCRYPTION_KEYS; remove the old key only once it reports no failure."""

    connections: ConnectionRepository
    keyring: Keyring
    uow: UnitOfWork

    async def __call__(self) -> Rotation:
        resealed = failed = 0
        async for batch in self.connections.every(BATCH):
            for connection in batch:
                if connection.sealed is None:
                    continue
                try:
                    sealed = self.keyring.reseal(connection.sealed, connection.binding)
                except ValueError:
                    failed += 1
                    continue
                # A refresh that stored new tokens meanwhile sealed them under the newest key already.
                resealed += await self.connections.swap_sealed(connection.id, connection.sealed, sealed)
            await self.uow.commit()
        return Rotation(resealed, failed)
