"""In-memory fakes of the idempotency ports."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from uuid import UUID

from assistme.core.idempotency.entities import KeyScope, KeyState, StoredKey
from assistme.core.idempotency.keys import IdempotencyKeys, IdempotencyPolicy
from tests.support.clock import MovableClock


class MemoryStore:
    def __init__(self) -> None:
        self.rows: dict[KeyScope, StoredKey] = {}

    def _scope_of(self, entry_id: UUID) -> KeyScope | None:
        return next((scope for scope, row in self.rows.items() if row.id == entry_id), None)

    async def insert(self, scope: KeyScope, fingerprint: str, now: datetime, locked_until: datetime) -> UUID | None:
        if scope in self.rows:
            return None
        self.rows[scope] = StoredKey(uuid.uuid4(), fingerprint, KeyState.IN_PROGRESS, now, locked_until)
        return self.rows[scope].id

    async def find(self, scope: KeyScope) -> StoredKey | None:
        return self.rows.get(scope)

    async def finish(self, entry_id: UUID, status: int, headers: tuple[tuple[str, str], ...], sealed_body: str) -> bool:
        scope = self._scope_of(entry_id)
        if scope is None or self.rows[scope].state is not KeyState.IN_PROGRESS:
            return False
        done = dataclasses.replace(
            self.rows[scope], state=KeyState.DONE, status=status, headers=headers, sealed_body=sealed_body
        )
        self.rows[scope] = done
        return True

    async def remove(self, entry_id: UUID, state: KeyState) -> bool:
        scope = self._scope_of(entry_id)
        if scope is None or self.rows[scope].state is not state:
            return False
        del self.rows[scope]
        return True


class ReversibleSealer:
    """Not a cipher: it only proves the core seals what it keeps and opens it with the right binding."""

    def __init__(self) -> None:
        self.refuse = False

    def seal(self, body: bytes, binding: str) -> str:
        return f"sealed:{binding}:{body.hex()}"

    def open(self, sealed: str, binding: str) -> bytes:
        prefix = f"sealed:{binding}:"
        if self.refuse or not sealed.startswith(prefix):
            raise ValueError("no key opens it")
        return bytes.fromhex(sealed.removeprefix(prefix))


@dataclasses.dataclass
class World:
    store: MemoryStore = dataclasses.field(default_factory=MemoryStore)
    sealer: ReversibleSealer = dataclasses.field(default_factory=ReversibleSealer)
    clock: MovableClock = dataclasses.field(default_factory=MovableClock)
    policy: IdempotencyPolicy = dataclasses.field(default_factory=IdempotencyPolicy)

    @property
    def keys(self) -> IdempotencyKeys:
        return IdempotencyKeys(self.store, self.sealer, self.policy, self.clock)
