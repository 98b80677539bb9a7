"""What a claimed key is and what a request with one may meet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class KeyState(StrEnum):
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class KeyScope:
    """A key belongs to one principal on one route: the same key elsewhere is another key."""

    owner: str  # "user:<id>", or "key:<id>" for an API key acting as no one
    route: str  # method and path template: "POST /api/v1/assistants"
    key: str
    user_id: UUID | None = None  # the user it belongs to: deleting the account deletes its keys and answers

    @property
    def binding(self) -> str:
        """What a stored answer's ciphertext is bound to, so it opens for this key and no other."""
        return f"{self.owner}\n{self.route}\n{self.key}"


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    scope: KeyScope
    fingerprint: str  # SHA-256 of the method, the path and the body


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class StoredKey:
    id: UUID  # a new one on every claim: it names the claim as much as the row
    fingerprint: str
    state: KeyState
    created_at: datetime
    locked_until: datetime  # an unfinished claim older than this is presumed dead
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    sealed_body: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """The request holds the key: run it, then settle the claim with its answer."""

    id: UUID
    scope: KeyScope


@dataclass(frozen=True, slots=True)
class Replay:
    """The key was used for this very request, which succeeded: answer what it answered."""

    answer: Answer


@dataclass(frozen=True, slots=True)
class InProgress:
    """The key's first request is still running: come back after ``retry_after`` seconds."""

    retry_after: int


Outcome = Claim | Replay | InProgress
