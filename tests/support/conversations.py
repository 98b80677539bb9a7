"""A world for the conversation API tests: an app on the fake model server and the fake Google, two people, an
admin's API key, the built-in tools by name, and the store reached straight through the repositories."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.conversations.entities import Message, NewMessage
from assistme.core.conversations.ports import MessageRepository
from assistme.core.identity.entities import Role
from assistme.core.shared.pagination import PageRequest
from assistme.core.shared.uow import UnitOfWork
from assistme.ioc import make_container
from tests.support.accounts import Account, key_headers, make_key, signup
from tests.support.apps import running
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm
from tests.support.google import google_settings
from tests.support.http import loopback_client
from tests.support.scheduling import Offline, RecordingQueue

Client = AsyncTestClient[Litestar]
T = TypeVar("T")
EVENTS = "https://www.googleapis.com/auth/calendar.events"
RETURN = "https://app.example.com/settings"


@dataclass
class World:
    client: Client
    settings: Settings
    llm: FakeLlm
    google: FakeGoogle
    ann: Account
    bob: Account
    root: Account
    bot: dict[str, str]
    tools: dict[str, str]  # built-in tool name -> id

    async def assistant(
        self, who: Account, *tools: str, instructions: str = "You are Ann's secretary.", **more: Any
    ) -> str:
        body = {"name": "Sec", "model": "test-model", "instructions": instructions, "is_secretary": True}
        body |= {"tool_ids": [self.tools[name] for name in tools], **more}
        response = await self.client.post("/api/v1/assistants", json=body, headers=who.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def conversation(self, who: Account, *tools: str, **assistant: Any) -> str:
        return await self.talk_to(who, await self.assistant(who, *tools, **assistant))

    async def talk_to(self, who: Account, assistant_id: str) -> str:
        body = {"title": "today", "assistant_id": assistant_id}
        response = await self.client.post("/api/v1/conversations", json=body, headers=who.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def say(self, who: Account, conversation_id: str, content: str) -> Any:
        return await self.client.post(
            f"/api/v1/conversations/{conversation_id}/messages", json={"content": content}, headers=who.headers
        )

    async def messages(self, who: Account, conversation_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/api/v1/conversations/{conversation_id}/messages?limit=100", headers=who.headers
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    def fed_back(self, request: int = -1) -> Any:
        """What the model was told the last tool answered, in request ``request``."""
        return json.loads(self.llm.requests[request]["messages"][-1]["content"])

    async def calendar(self, who: Account) -> None:
        """Import calendar credentials for ``who``, as the admin's bot does."""
        access, refresh = self.google.issue_tokens([EVENTS])
        body = {"access_token": access, "refresh_token": refresh, "scopes": [EVENTS]}
        response = await self.client.put(f"/api/v1/calendar/{who.id}", json=body, headers=self.bot)
        assert response.status_code == 200, response.text

    async def connect(self, who: Account, provider: str) -> None:
        """The consent round trip, the browser's part played by following the fake's redirect by hand."""
        started = await self.client.post(
            f"/api/v1/integrations/{provider}/connect", json={"return_url": RETURN}, headers=who.headers
        )
        assert started.status_code == 200, started.text
        async with loopback_client() as browser:
            consent = await browser.get(started.json()["authorization_url"])
        back = await self.client.get(
            consent.headers["location"].removeprefix(self.settings.public_url), follow_redirects=False
        )
        assert back.headers["location"] == f"{RETURN}?status=connected&provider={provider}"

    async def stored(self, conversation_id: str, *messages: NewMessage) -> list[Message]:
        """Write ``messages`` straight to the store (``messages`` empty: read them all)."""
        root = make_container(self.settings)
        try:
            async with root() as scope:
                repository = await scope.get(MessageRepository)
                for message in messages:
                    await repository.add(UUID(conversation_id), message, datetime.now(UTC))
                await (await scope.get(UnitOfWork)).commit()
                return (await repository.page(UUID(conversation_id), PageRequest(100, 0))).items
        finally:
            await root.close()


def aside(request: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """Send a request from a thread of its own. The test client serves the app through a portal and blocks its
    caller's event loop until the answer, so a test that acts while a reply runs sends that reply from here."""
    return asyncio.ensure_future(asyncio.to_thread(asyncio.run, request))


def configured(settings: Settings, llm: FakeLlm, google: FakeGoogle, **more: object) -> Settings:
    return google_settings(
        settings, google, RETURN, llm_base_url=f"{llm.base_url}/v1", llm_api_key=llm.api_key, llm_retries=1, **more
    )


async def open_world(settings: Settings, llm: FakeLlm, google: FakeGoogle) -> AsyncIterator[World]:
    """``settings`` as they are: pass them through ``configured`` for the fakes."""
    llm.reset()
    google.reset()
    async with running(settings, Offline(RecordingQueue())) as client:
        root = await signup(client, role=Role.ADMIN)
        bot = key_headers(await make_key(client, root, "users:read", "users:write"))
        listed = (await client.get("/api/v1/tools?limit=100", headers=root.headers)).json()["items"]
        tools = {tool["name"]: tool["id"] for tool in listed}
        ann, bob = await signup(client), await signup(client)
        yield World(client, settings, llm, google, ann, bob, root, bot, tools)
