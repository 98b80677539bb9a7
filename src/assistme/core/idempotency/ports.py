"""Where claimed keys live, and what seals the answers kept with them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from assistme.core.idempotency.entities import KeyScope, KeyState, StoredKey


class IdempotencyStore(Protocol):
    """Each call is a short unit of work of its own: none stays open while the request runs."""

    async def insert(self, scope: KeyScope, fingerprint: str, now: datetime, locked_until: datetime) -> UUID | None:
        """Claim ``scope`` atomically: the new entry's id, or None when an entry for it exists."""
        ...

    async def find(self, scope: KeyScope) -> StoredKey | None: ...

    async def finish(self, entry_id: UUID, status: int, headers: tuple[tuple[str, str], ...], sealed_body: str) -> bool:
        """Keep the answer of an entry still in progress; False when that claim is gone."""
        ...

    async def remove(self, entry_id: UUID, state: KeyState) -> bool:
        """Delete the entry if it is still in ``state``; False when it changed or went meanwhile."""
        ...


class AnswerSealer(Protocol):
    """Stored answers may carry what the first answer showed once (a webhook secret, an API key): sealed at rest."""

    def seal(self, body: bytes, binding: str) -> str: ...

    def open(self, sealed: str, binding: str) -> bytes:
        """Raises ValueError when no configured key opens it or it was sealed for another binding."""
        ...
