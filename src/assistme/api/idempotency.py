"""``Idempotency-Key`` on the POSTs that create something: a route opts in with ``opt=IDEMPOTENT``.

On such a route the plugin installs two pieces. After the access guard, ``claim_key`` claims the key (or answers
the kept answer, or 409 while the first request runs); ``IdempotentAnswers``, a middleware around that route alone,
holds the answer back until the claim is settled with it (kept if 2xx, released otherwise), then sends it. Claim
and settlement are short units of work of their own: none is open while the handler runs on its session.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import anyio
from dishka import AsyncContainer
from litestar import Request, Response
from litestar.enums import ParamType
from litestar.exceptions import ImproperlyConfiguredException
from litestar.openapi.spec import OpenAPIType, Operation, Parameter, Schema
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from assistme.api.openapi import responses
from assistme.api.problems import problem
from assistme.core.idempotency.entities import Answer, Claim, InProgress, Replay
from assistme.core.idempotency.keys import HEADER, KEY_PATTERN, MAX_ANSWER_BYTES, IdempotencyKeys, keyed_request
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import InvalidInput
from assistme.core.shared.uow import UnitOfWork

log = logging.getLogger("assistme.idempotency")

IDEMPOTENCY = "idempotency"
IDEMPOTENT = {IDEMPOTENCY: True}
"""Route option: a retry with the same ``Idempotency-Key`` answers what the first request answered."""
REPLAYED = "Idempotent-Replayed"
_CLAIMED = "assistme.idempotency.claim"  # where the claim waits in the scope's state for the middleware
_RAW_HEADER = HEADER.lower().encode()

KEY_PARAMETER = Parameter(
    name=HEADER,
    param_in=ParamType.HEADER,
    required=False,
    description="Any unique string (a UUID, say), 1 to 255 printable ASCII characters. A retry with the same key "
    "and the same request answers the first 2xx answer again, marked `Idempotent-Replayed: true`, without doing it "
    "twice; while the first is still running, 409 with `Retry-After`; the same key with another body or path, 422. "
    "Keys are per user and per route and kept 24 hours (a setting); a failed request leaves no key behind.",
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255, pattern=f"^{KEY_PATTERN}$"),
)


@dataclass
class KeyedOperation(Operation):
    """The operation of a covered route: its own parameters, and the key's header."""

    def __post_init__(self) -> None:
        self.parameters = [*(self.parameters or []), KEY_PARAMETER]


@dataclass(frozen=True, slots=True)
class _Claimed:
    keys: IdempotencyKeys
    claim: Claim


async def claim_key(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """The before-request hook of a covered route: None lets the handler run."""
    sent = request.headers.getall(HEADER, [])
    principal = request.scope.get("user")
    if not sent or not isinstance(principal, Principal):
        return None
    if len(sent) > 1:
        raise InvalidInput.field(HEADER, "send one key")
    scope = request.scope
    query = scope.get("query_string", b"").decode("latin-1")
    path = f"{scope['path']}?{query}" if query else scope["path"]
    route = f"{request.method} {scope['path_template']}"
    body = await request.body()
    keyed = keyed_request(principal, route=route, key=sent[0], method=request.method, path=path, body=body)
    keys = await request.state.dishka_container.get(IdempotencyKeys)
    outcome = await keys.claim(keyed)
    if isinstance(outcome, Replay):
        return _replay(outcome.answer)
    if isinstance(outcome, InProgress):
        detail = f"a request with this {HEADER} is still being answered: retry once it is done"
        return problem(409, detail, headers={"Retry-After": str(outcome.retry_after)})
    scope.setdefault("state", {})[_CLAIMED] = _Claimed(keys, outcome)
    return None


def _replay(answer: Answer) -> Response[bytes]:
    headers = {name: value for name, value in answer.headers if name != "content-type"}
    headers[REPLAYED] = "true"
    media_type = next((value for name, value in answer.headers if name == "content-type"), "application/json")
    return Response(answer.body, status_code=answer.status, headers=headers, media_type=media_type)


class IdempotentAnswers:
    """Inside a covered route's exception handler, so it sees error answers too. With no claim (no key, a replay,
    a 409) every message passes as it comes."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not any(name == _RAW_HEADER for name, _ in scope["headers"]):
            await self._app(scope, receive, send)  # no key, nothing to hold: the common case costs one scan
            return
        held = _Held(scope, send)
        try:
            await self._app(scope, receive, held.send)
        finally:
            await held.abandon()


class _Held:
    __slots__ = ("_chunks", "_passing", "_scope", "_send", "_size", "_start")

    def __init__(self, scope: Scope, send: Send) -> None:
        self._scope = scope
        self._send = send
        self._start: HTTPResponseStartEvent | None = None
        self._chunks: list[bytes] = []
        self._size = 0
        self._passing = False

    def _claimed(self) -> _Claimed | None:
        state: dict[str, Any] = self._scope.get("state", {})
        claimed: _Claimed | None = state.pop(_CLAIMED, None)
        return claimed

    async def send(self, message: Message) -> None:
        if self._passing:
            await self._send(message)
            return
        if message["type"] == "http.response.start":
            if _CLAIMED not in self._scope.get("state", {}):
                self._passing = True
                await self._send(message)
            else:
                self._start = message
            return
        if message["type"] != "http.response.body":
            await self._send(message)
            return
        body, more = message.get("body", b""), message.get("more_body", False)
        self._chunks.append(body)
        self._size += len(body)
        if more and self._size <= MAX_ANSWER_BYTES:
            return
        claimed, start = self._claimed(), self._start
        if claimed is not None and start is not None:
            answer = Answer(start["status"], _headers(start), b"".join(self._chunks))
            await _settle(self._scope, claimed, None if more else answer)
        self._passing = True
        if start is not None:
            await self._send(start)
        await self._send({"type": "http.response.body", "body": b"".join(self._chunks), "more_body": more})
        self._chunks = []

    async def abandon(self) -> None:
        """The route ended without a whole answer (an error escaped, or the request was cancelled): release."""
        if (claimed := self._claimed()) is not None:
            with anyio.CancelScope(shield=True):
                await _settle(self._scope, claimed, None)


def _headers(start: HTTPResponseStartEvent) -> tuple[tuple[str, str], ...]:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in start.get("headers", ()))


async def _settle(scope: Scope, claimed: _Claimed, answer: Answer | None) -> None:
    """Keep or release the key before the client sees the answer: once it has one, a retry finds it kept."""
    try:
        # Whatever the handler left uncommitted is rolled back now rather than when its scope closes: on SQLite an
        # open write would hold the one writer's lock this write waits for.
        container: AsyncContainer = scope["state"]["dishka_container"]
        await (await container.get(UnitOfWork)).rollback()
        if answer is None:
            await claimed.keys.release(claimed.claim)
        else:
            await claimed.keys.settle(claimed.claim, answer)
    except Exception:
        # The answer still goes out. Its key stays claimed until its lease ends: a retry meanwhile gets 409,
        # never a second run.
        log.exception("could not settle an idempotency key", extra={"fields": {"route": claimed.claim.scope.route}})


class IdempotencyPlugin(ReceiveRoutePlugin):
    """Wires the routes whose option asks for it; refuses at start-up a route it cannot serve."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.opt.get(IDEMPOTENCY) or handler.before_request is claim_key:
                continue  # not covered, or received again (Litestar rebuilds a route when a handler joins its path)
            if not handler.resolve_security():
                raise ImproperlyConfiguredException(f"{handler}: idempotency keys belong to a principal")
            if any(layer.before_request for layer in handler.ownership_layers):
                raise ImproperlyConfiguredException(f"{handler}: has a before_request hook of its own")
            handler.before_request = claim_key
            # The route's middleware stack is built after routes are received: only covered routes carry this.
            handler.middleware = [*(handler.middleware or []), IdempotentAnswers]
            handler.operation_class = KeyedOperation
            handler.responses = {**responses(409, 422), **(handler.responses or {})}
