"""``WS /api/v1/ws/agent``: a conversation streamed.

The token comes in the first frame, never in the URL (URLs end up in proxies' logs). Each message opens a request
scope of its own (a database session per message, none held while the socket idles) and checks the session again,
before the reply and once more before its final frame, so a revoked session closes the socket with 4401. A client
that goes away mid-reply does not stop the reply: it is stored all the same, and can be read from
``/conversations/{id}/messages``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal
from uuid import UUID

import msgspec
from dishka import AsyncContainer
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from assistme.api.conversations.schemas import MessageOut
from assistme.api.inputs import NUL, NUL_MESSAGE
from assistme.api.problems import status_of
from assistme.core.conversations.chat import Exchange, SendMessage
from assistme.core.conversations.entities import Message, MessageRole
from assistme.core.conversations.policy import MAX_CONTENT
from assistme.core.identity.authenticate import AuthenticateAccessToken
from assistme.core.identity.principal import Principal
from assistme.core.shared.errors import DomainError, Unauthenticated

AUTH_TIMEOUT = 10.0
UNAUTHORIZED = 4401  # the HTTP status in WebSocket's application range
INVALID = 4400


class AuthFrame(msgspec.Struct, tag="auth", tag_field="type", forbid_unknown_fields=True):
    token: str


class MessageFrame(msgspec.Struct, tag="message", tag_field="type", forbid_unknown_fields=True):
    conversation_id: UUID
    content: str


Frame = AuthFrame | MessageFrame


class _Peer:
    """Sends frames while the client listens; once it has gone, the reply carries on unheard."""

    def __init__(self, socket: WebSocket[Any, Any, Any]) -> None:
        self.socket = socket
        self.gone = False

    async def send(
        self, kind: Literal["chunk", "tool_call", "tool_result", "action_pending", "final", "error"], **body: Any
    ) -> None:
        if self.gone:
            return
        try:
            await self.socket.send_text(json.dumps({"type": kind, **body}, default=str))
        except (WebSocketDisconnect, RuntimeError, OSError):
            self.gone = True


async def _authenticate(container: AsyncContainer, token: str) -> Principal:
    authenticate = await container.get(AuthenticateAccessToken)
    return await authenticate(token)


async def _frame(socket: WebSocket[Any, Any, Any]) -> Frame:
    frame: Frame = msgspec.json.decode(await socket.receive_text(), type=Frame)
    return frame


@websocket("/api/v1/ws/agent", name="agent-socket")
async def agent_socket(socket: WebSocket[Any, Any, Any]) -> None:
    await socket.accept()
    container: AsyncContainer = socket.app.state.dishka_container
    try:
        first = await asyncio.wait_for(_frame(socket), AUTH_TIMEOUT)
        if not isinstance(first, AuthFrame):
            raise Unauthenticated('the first frame must be {"type": "auth", "token": ...}')
        token = first.token
        await _authenticate(container, token)
    except (TimeoutError, msgspec.ValidationError, msgspec.DecodeError, Unauthenticated):
        await socket.close(code=UNAUTHORIZED, reason="authenticate first")
        return
    except WebSocketDisconnect:
        return
    peer = _Peer(socket)
    while not peer.gone:
        try:
            frame = await _frame(socket)
        except WebSocketDisconnect:
            return
        except (msgspec.ValidationError, msgspec.DecodeError) as bad:
            await peer.send("error", status=422, detail=f"not a message frame: {bad}"[:300])
            continue
        try:
            principal = await _authenticate(container, token)
        except Unauthenticated:
            await socket.close(code=UNAUTHORIZED, reason="the session has ended")
            return
        if not isinstance(frame, MessageFrame) or not 0 < len(frame.content) <= MAX_CONTENT:
            await peer.send("error", status=422, detail=f"content must hold 1 to {MAX_CONTENT} characters")
            continue
        if NUL in frame.content:  # as over HTTP (api/inputs.py): PostgreSQL cannot store it
            await peer.send("error", status=422, detail=f"content {NUL_MESSAGE}")
            continue
        exchange = await _converse(container, peer, principal, frame)
        if exchange is None or peer.gone:
            continue
        try:  # a reply can take minutes: the session may have ended meanwhile
            await _authenticate(container, token)
        except Unauthenticated:
            await socket.close(code=UNAUTHORIZED, reason="the session has ended")
            return
        for action_id in exchange.pending_actions:
            await peer.send("action_pending", action_id=str(action_id))
        await peer.send("final", message=msgspec.to_builtins(MessageOut.of(exchange.reply)))


async def _converse(
    container: AsyncContainer, peer: _Peer, principal: Principal, frame: MessageFrame
) -> Exchange | None:
    """The reply, its steps streamed as they come; None when it failed (the error frame is sent)."""

    async def on_delta(delta: str) -> None:
        await peer.send("chunk", delta=delta)

    async def on_message(message: Message) -> None:
        if message.role is MessageRole.ASSISTANT:
            for call in message.tool_calls:
                await peer.send("tool_call", id=call.id, name=call.name, arguments=call.arguments)
        elif message.role is MessageRole.TOOL:
            await peer.send(
                "tool_result", tool_call_id=message.tool_call_id, name=message.tool_name, content=message.content
            )

    try:
        async with container() as scope:
            send = await scope.get(SendMessage)
            return await send(principal, frame.conversation_id, frame.content, on_delta, on_message)
    except DomainError as failed:
        await peer.send("error", status=status_of(failed), detail=failed.detail)
        return None
