"""The rules of an idempotency key: who owns it, what makes two requests the same, and what a repeat answers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec

from assistme.core.idempotency.entities import (
    Answer,
    Claim,
    InProgress,
    KeyedRequest,
    KeyScope,
    KeyState,
    Outcome,
    Replay,
    StoredKey,
)
from assistme.core.idempotency.ports import AnswerSealer, IdempotencyStore
from assistme.core.identity.principal import Principal
from assistme.core.shared.clock import Clock
from assistme.core.shared.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"
KEPT_HEADERS = frozenset({"content-type", "location", "cache-control", "pragma"})
"""What of the first answer's headers a replay repeats; the rest (cookies, request ids...) belong to one answer."""
MAX_ANSWER_BYTES = 1024 * 1024
RETRY_AFTER = 1  # seconds: a claimed key's request is usually about to finish
KEY_PATTERN = r"[!-~](?:[ -~]{0,253}[!-~])?"
"""Printable ASCII, 1 to 255 characters, no space at either end (a header's value loses those on the way)."""
_KEY = re.compile(KEY_PATTERN)
_CLAIM_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class IdempotencyPolicy:
    retention: timedelta = timedelta(hours=24)
    lease: timedelta = timedelta(minutes=10)  # longer than any covered request can take


def owner_of(principal: Principal) -> str:
    """The acting user, whether signed in or acted as by an API key; an API key acting as no one is itself."""
    if principal.user_id is not None:
        return f"user:{principal.user_id}"
    return f"key:{principal.api_key_id}"


def check_key(raw: str) -> str:
    if not _KEY.fullmatch(raw):
        raise InvalidInput.field(HEADER, "must be 1 to 255 printable ASCII characters")
    return raw


def fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of the method, the path and the body. A JSON body counts by its content: the same object with its
    keys in another order or other spacing is the same request; anything else counts byte for byte."""
    try:
        canonical = msgspec.json.encode(msgspec.json.decode(body), order="sorted") if body else b""
    except msgspec.DecodeError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))  # framed, so no two (path, body) pairs hash alike
        digest.update(part)
    return digest.hexdigest()


def keyed_request(principal: Principal, *, route: str, key: str, method: str, path: str, body: bytes) -> KeyedRequest:
    scope = KeyScope(owner_of(principal), route, check_key(key), principal.user_id)
    return KeyedRequest(scope, fingerprint(method, path, body))


@dataclass(slots=True)
class IdempotencyKeys:
    """The first request with a key claims it in one atomic insert; the answer it ends with settles the claim.

    - Only a 2xx answer is kept (at most 1 MiB, its body sealed): any other answer releases the key, so the client
      may correct the request or try again later. A failure is never replayed.
    - The same key and the same request again: the kept answer, while it is younger than the retention; an older
      one counts as absent. While the first is still running: InProgress (409), never a second run.
    - The same key with another request (body or path): 422, whatever state the key is in.
    - A claim whose request died (its lease ran out unsettled) is taken over by the next request with the key.
    """

    store: IdempotencyStore
    sealer: AnswerSealer
    policy: IdempotencyPolicy
    clock: Clock

    async def claim(self, request: KeyedRequest) -> Outcome:
        now = self.clock.now()
        for _ in range(_CLAIM_ATTEMPTS):
            entry_id = await self.store.insert(request.scope, request.fingerprint, now, now + self.policy.lease)
            if entry_id is not None:
                return Claim(entry_id, request.scope)
            found = await self.store.find(request.scope)
            if found is None:
                continue  # released between the two statements: claim it again
            if self._lapsed(found, now):
                await self.store.remove(found.id, found.state)  # if someone else took it over, theirs stays
                continue
            if found.fingerprint != request.fingerprint:
                raise InvalidInput.field(HEADER, "this key was used with another request: use a new key")
            if found.state is KeyState.IN_PROGRESS:
                return InProgress(RETRY_AFTER)
            return Replay(self._answer(found, request.scope))
        return InProgress(RETRY_AFTER)  # others kept taking it over between our statements

    async def settle(self, claim: Claim, answer: Answer) -> None:
        if answer.succeeded and len(answer.body) <= MAX_ANSWER_BYTES:
            kept = tuple((name.lower(), value) for name, value in answer.headers if name.lower() in KEPT_HEADERS)
            await self.store.finish(claim.id, answer.status, kept, self.sealer.seal(answer.body, claim.scope.binding))
        else:
            await self.store.remove(claim.id, KeyState.IN_PROGRESS)

    async def release(self, claim: Claim) -> None:
        """The request ended with no answer to keep (it crashed, or was cancelled)."""
        await self.store.remove(claim.id, KeyState.IN_PROGRESS)

    def _lapsed(self, found: StoredKey, now: datetime) -> bool:
        if found.state is KeyState.DONE:
            return found.created_at <= now - self.policy.retention
        return found.locked_until <= now

    def _answer(self, found: StoredKey, scope: KeyScope) -> Answer:
        try:
            body = self.sealer.open(found.sealed_body or "", scope.binding)
        except ValueError:
            # Sealed under a key since removed from the keyring: the request ran, its answer cannot be shown.
            raise Conflict("the answer kept for this Idempotency-Key can no longer be read: use a new key") from None
        return Answer(found.status or 200, found.headers, body)
