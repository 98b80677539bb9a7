"""Black-box attacks through the HTTP API, one parametrized test per attack class.

Not repeated here, because tests/api already attacks them: forged access tokens, claim by claim
(test_tokens.py); a spent refresh token replayed late, and twenty refreshes at once (test_revocation.py); an OAuth
state replayed, unknown, missing or expired (test_integrations.py, test_google_sign_in.py); the address guard's
spellings one by one (tests/unit/webhooks/test_guard.py).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from assistme.config import Settings
from assistme.core.identity.entities import Role
from tests.support.accounts import Account, key_headers, make_key, signup
from tests.support.apps import running
from tests.support.clock import MovableClock, clock_provider
from tests.support.fake_google import FakeGoogle
from tests.support.fake_llm import FakeLlm
from tests.support.http import loopback_client
from tests.support.scheduling import Hands, Offline, RecordingQueue, hands
from tests.support.webhook_world import Names, guarded_by

Client = AsyncTestClient[Litestar]
API = "/api/v1"
RETURN = "https://app.example.com/settings"
PUBLIC_HOOK = "https://93.184.216.34/hooks"  # a public literal: accepted, and never sent to (the queue only records)
MIB = 1024 * 1024

pytestmark = pytest.mark.usefixtures("app")


@dataclass
class World:
    client: Client
    settings: Settings
    hands: Hands
    clock: MovableClock
    llm: FakeLlm
    google: FakeGoogle
    names: Names
    ann: Account
    bob: Account
    root: Account
    bot: dict[str, str]
    made: dict[str, str] = field(default_factory=dict)

    async def ok(self, method: str, path: str, who: Account | None = None, **kwargs: Any) -> Any:
        headers = (who or self.ann).headers
        answer = await self.client.request(method, f"{API}{path}", headers=headers, **kwargs)
        assert answer.status_code < 300, (method, path, answer.text)
        return answer.json() if answer.content else None

    async def consent(self, authorization_url: str) -> str:
        async with loopback_client() as browser:
            answer = await browser.get(authorization_url)
        assert answer.status_code == 302, answer.text
        return str(answer.headers["location"]).removeprefix(self.settings.public_url)


@pytest.fixture
async def world(hostile_settings: Settings, names: Names, llm: FakeLlm, google: FakeGoogle) -> AsyncIterator[World]:
    clock, queue = MovableClock(), RecordingQueue()
    guard = guarded_by(names, allow_private=False)
    async with (
        running(hostile_settings, clock_provider(clock), Offline(queue), guard) as client,
        hands(hostile_settings, clock, queue, guard) as h,
    ):
        client.follow_redirects = False
        root = await signup(client, role=Role.ADMIN)
        bot = key_headers(await make_key(client, root, "users:read", "users:write"))
        ann, bob = await signup(client), await signup(client)
        yield World(client, hostile_settings, h, clock, llm, google, names, ann, bob, root, bot)


# --- Ann's things, made through the API as she would make them -------------------------------------------------


async def _assistant(w: World) -> None:
    tools = (await w.ok("GET", "/tools?limit=100"))["items"]
    w.made["tool"] = next(t["id"] for t in tools if t["name"] == "gmail")
    body = {"name": "Sec", "model": "m", "instructions": "help", "is_secretary": True, "tool_ids": [w.made["tool"]]}
    w.made["assistant"] = (await w.ok("POST", "/assistants", json=body))["id"]


async def _conversation(w: World) -> None:
    await _assistant(w)
    body = {"title": "today", "assistant_id": w.made["assistant"]}
    w.made["conversation"] = (await w.ok("POST", "/conversations", json=body))["id"]
    await w.ok("POST", f"/conversations/{w.made['conversation']}/messages", json={"content": "hello"})


async def _pending_action(w: World) -> None:
    await _conversation(w)
    params = {"to": ["boss@example.com"], "subject": "I quit", "body": "(a mail told me to)"}
    w.llm.call_tool("gmail", {"action": "send_email", "params": params})
    w.llm.reply("Drafted; confirm to send.")
    said = await w.ok("POST", f"/conversations/{w.made['conversation']}/messages", json={"content": "mail"})
    [w.made["action"]] = said["pending_action_ids"]


async def _task(w: World) -> None:
    await _assistant(w)
    body = {"title": "t", "description": "summarise", "assistant_id": w.made["assistant"]}
    w.made["task"] = (await w.ok("POST", "/tasks", json=body))["id"]


async def _job(w: World) -> None:
    body = {"name": "stand up", "type": "notification", "payload": {"message": "up"}, "cron_expression": "0 9 * * *"}
    w.made["job"] = (await w.ok("POST", "/cron-jobs", json=body))["id"]
    w.made["run"] = (await w.ok("POST", f"/cron-jobs/{w.made['job']}/run"))["id"]


async def _notification(w: World) -> None:
    await _job(w)
    await w.hands.work()
    [entry] = (await w.ok("GET", "/notifications"))["items"]
    w.made["notification"] = entry["id"]


async def _integration(w: World) -> None:
    started = await w.ok("POST", "/integrations/gmail/connect", json={"return_url": RETURN})
    back = await w.client.get(await w.consent(started["authorization_url"]))
    assert back.status_code == 302, back.text
    [connection] = await w.ok("GET", "/integrations")
    w.made["integration"] = connection["id"]


async def _webhook(w: World) -> None:
    hook = await w.ok("POST", "/webhooks", json={"url": PUBLIC_HOOK, "events": ["webhook.test"]})
    w.made["webhook"] = hook["id"]
    await w.ok("POST", f"/webhooks/{hook['id']}/test")
    await w.hands.dispatch_webhooks()
    [delivery] = (await w.ok("GET", f"/webhooks/{hook['id']}/deliveries"))["items"]
    w.made["delivery"] = delivery["id"]


async def _session(w: World) -> None:
    [session] = (await w.ok("GET", "/sessions"))["items"]
    w.made["session"] = session["id"]


Maker = Callable[[World], Awaitable[None]]
Route = tuple[str, str, dict[str, Any] | None]  # method, path with {kind} holes, JSON body
A_JOB = {"name": "x", "type": "notification", "payload": {"message": "x"}, "cron_expression": "0 9 * * *"}

RESOURCES: dict[str, tuple[Maker, str, list[Route]]] = {
    # kind: (how ann makes it, where she reads it back, what bob tries)
    "assistant": (
        _assistant,
        "/assistants/{assistant}",
        [
            ("GET", "/assistants/{assistant}", None),
            ("PATCH", "/assistants/{assistant}", {"name": "mine now"}),
            ("PUT", "/assistants/{assistant}", {"name": "mine", "model": "m", "instructions": "i"}),
            ("PUT", "/assistants/{assistant}/tools/{tool}", None),
            ("DELETE", "/assistants/{assistant}/tools/{tool}", None),
            ("DELETE", "/assistants/{assistant}", None),
            ("POST", "/conversations", {"assistant_id": "{assistant}"}),
            ("POST", "/secretaries", {"assistant_id": "{assistant}"}),
            ("POST", "/tasks", {"title": "t", "description": "d", "assistant_id": "{assistant}"}),
        ],
    ),
    "conversation": (
        _conversation,
        "/conversations/{conversation}",
        [
            ("GET", "/conversations/{conversation}", None),
            ("GET", "/conversations/{conversation}/messages", None),
            ("POST", "/conversations/{conversation}/messages", {"content": "hi"}),
            ("DELETE", "/conversations/{conversation}", None),
        ],
    ),
    "pending action": (
        _pending_action,
        "/conversations/{conversation}",
        [
            ("POST", "/conversations/{conversation}/actions/{action}/confirm", None),
            ("POST", "/conversations/{conversation}/actions/{action}/reject", None),
        ],
    ),
    "task": (_task, "/tasks/{task}", [("GET", "/tasks/{task}", None)]),
    "cron job and runs": (
        _job,
        "/cron-jobs/{job}",
        [
            ("GET", "/cron-jobs/{job}", None),
            ("PATCH", "/cron-jobs/{job}", {"name": "mine"}),
            ("PUT", "/cron-jobs/{job}", A_JOB),
            ("GET", "/cron-jobs/{job}/runs", None),
            ("GET", "/cron-jobs/{job}/next-runs", None),
            ("POST", "/cron-jobs/{job}/run", None),
            ("DELETE", "/cron-jobs/{job}", None),
        ],
    ),
    "notification": (
        _notification,
        "/notifications?unread=true",
        [("POST", "/notifications/{notification}/read", None), ("DELETE", "/notifications/{notification}", None)],
    ),
    "integration": (
        _integration,
        "/integrations",
        [
            ("POST", "/integrations/{integration}/execute", {"action": "list_messages", "params": {}}),
            ("DELETE", "/integrations/{integration}", None),
        ],
    ),
    "webhook and deliveries": (
        _webhook,
        "/webhooks/{webhook}",
        [
            ("GET", "/webhooks/{webhook}", None),
            ("PATCH", "/webhooks/{webhook}", {"description": "mine"}),
            ("POST", "/webhooks/{webhook}/rotate-secret", None),
            ("POST", "/webhooks/{webhook}/test", None),
            ("GET", "/webhooks/{webhook}/deliveries", None),
            ("POST", "/webhooks/{webhook}/deliveries/{delivery}/resend", None),
            ("DELETE", "/webhooks/{webhook}", None),
        ],
    ),
    "session": (_session, "/sessions", [("DELETE", "/sessions/{session}", None)]),
}


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("kind", list(RESOURCES))
async def test_another_users_resource_answers_exactly_like_a_missing_one(world: World, kind: str) -> None:
    make, read_back, routes = RESOURCES[kind]
    await make(world)
    before = await world.ok("GET", read_back.format(**world.made))
    missing = {name: str(uuid.uuid4()) for name in world.made}
    for method, path, body in routes:
        theirs = await world.client.request(
            method, API + path.format(**world.made), json=_fill(body, world.made), headers=world.bob.headers
        )
        nothing = await world.client.request(
            method, API + path.format(**missing), json=_fill(body, missing), headers=world.bob.headers
        )
        assert nothing.status_code in (404, 422), (method, path, nothing.text)
        assert (theirs.status_code, theirs.json()) == (nothing.status_code, nothing.json()), (method, path)
    assert await world.ok("GET", read_back.format(**world.made)) == before  # and nothing of Ann's changed


async def test_a_plain_user_learns_nothing_about_api_keys(world: World) -> None:
    key = await make_key(world.client, world.root, "users:read")
    theirs = await world.client.delete(f"{API}/api-keys/{key['id']}", headers=world.bob.headers)
    nothing = await world.client.delete(f"{API}/api-keys/{uuid.uuid4()}", headers=world.bob.headers)
    assert (theirs.status_code, theirs.json()) == (nothing.status_code, nothing.json())
    assert theirs.status_code == 403
    assert (await world.client.get(f"{API}/users/me", headers=key_headers(key))).status_code != 401


# --- Mass assignment ----------------------------------------------------------------------------------------------


async def _document(client: Client) -> dict[str, Any]:
    return dict((await client.get("/schema/openapi.json")).json())


def _body_schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = content["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return dict(schema) if schema.get("type") == "object" and "properties" in schema else None


def _placeholder_path(path: str) -> str:
    return path.replace("{provider}", "gmail").replace("{telegram_id}", "1").format_map(_AnyId())


class _AnyId(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return str(uuid.uuid4())


FORBIDDEN = ("id", "owner_id", "user_id", "created_at", "updated_at", "is_builtin", "secret", "password_hash")


async def test_no_create_or_change_takes_a_field_the_caller_may_not_set(world: World) -> None:
    """Every JSON body of every operation, as an admin (so the admin routes are reached too): a field the body does
    not declare is 422 naming it, never dropped silently nor applied."""
    document = await _document(world.client)
    tried = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if (schema := _body_schema(document, operation)) is None:
                continue
            for name in (f for f in FORBIDDEN if f not in schema["properties"]):
                answer = await world.client.request(
                    method.upper(), _placeholder_path(path), json={name: "x"}, headers=world.root.headers
                )
                assert answer.status_code == 422, (method, path, name, answer.text)
                assert name in [e["field"] for e in answer.json()["errors"]], (method, path, name, answer.text)
                tried += 1
    assert tried > 100


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PATCH", "/users/me", {"role": "admin"}, "role"),
        ("PATCH", "/users/me", {"is_active": True}, "is_active"),
        ("PATCH", "/users/me", {"email": "new@example.com"}, "email"),
        ("PATCH", "/users/me", {"telegram_chat_id": 1}, "telegram_chat_id"),
        ("POST", "/auth/register", {"email": "r@example.com", "password": "p" * 10, "role": "admin"}, "role"),
        ("POST", "/assistants", {"name": "a", "owner_id": "{root}"}, "owner_id"),
        ("POST", "/tasks", {"title": "t", "description": "d", "status": "completed"}, "status"),
        ("POST", "/cron-jobs", {**A_JOB, "next_run_at": "2030-01-01T00:00:00Z"}, "next_run_at"),
        ("POST", "/webhooks", {"url": PUBLIC_HOOK, "events": ["webhook.test"], "secret": "whsec_x"}, "secret"),
        ("POST", "/conversations", {"title": "t", "owner_id": "{root}"}, "owner_id"),
    ],
)
async def test_privileged_fields_are_refused_naming_them_and_nothing_changes(
    world: World, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    answer = await world.client.request(
        method, API + path, json=_fill(body, {"root": world.root.id}), headers=world.ann.headers
    )
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    me = await world.ok("GET", "/users/me")
    assert (me["role"], me["is_active"], me["email"]) == ("user", True, world.ann.email)


async def test_the_schema_says_what_is_refused_and_options_names_every_method(world: World) -> None:
    """What schemathesis first found: bodies that refuse unknown fields did not say so, list items lost their
    constraints, and OPTIONS answered only the first handler's methods of a path."""
    schemas = (await _document(world.client))["components"]["schemas"]
    assert schemas["AssistantIn"]["additionalProperties"] is False
    assert schemas["CalendarCredentialsIn"]["properties"]["scopes"]["items"]["minLength"] == 1
    events = re.compile(schemas["WebhookIn"]["properties"]["events"]["items"]["pattern"])
    assert events.fullmatch("webhook.test")
    assert not events.fullmatch("webhook-test")
    allowed = await world.client.options(f"{API}/users/me", headers=world.ann.headers)
    assert set(allowed.headers["allow"].split(", ")) == {"DELETE", "GET", "OPTIONS", "PATCH"}


# --- Sizes ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "signed_in"),
    [
        ("POST", "/auth/login", False),
        ("POST", "/auth/register", False),
        ("POST", "/assistants", True),
        ("PATCH", "/users/me", True),
        ("POST", "/webhooks", True),
        ("POST", "/cron-jobs", True),
    ],
)
async def test_a_body_just_over_one_mib_is_413(world: World, method: str, path: str, signed_in: bool) -> None:
    body = b'{"name": "' + b"x" * MIB + b'"}'
    headers = {"content-type": "application/json", **(world.ann.headers if signed_in else {})}
    answer = await world.client.request(method, API + path, content=body, headers=headers)
    assert answer.status_code == 413, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


async def _lists(client: Client, parameter: str) -> list[str]:
    """Every list without a path parameter that takes ``parameter``."""
    document = await _document(client)
    return [
        path
        for path, item in document["paths"].items()
        if "{" not in path and any(p["name"] == parameter for p in item.get("get", {}).get("parameters", []))
    ]


@pytest.mark.parametrize(
    ("query", "status"),
    [("limit=1000", 422), ("limit=0", 422), ("limit=-1", 422), ("offset=-1", 422), ("offset=" + "9" * 30, 422)],
)
async def test_a_page_size_or_offset_out_of_bounds_is_422_on_every_list(world: World, query: str, status: int) -> None:
    for path in await _lists(world.client, query.split("=", maxsplit=1)[0]):
        answer = await world.client.get(f"{path}?{query}", headers=world.root.headers)
        assert answer.status_code == status, (path, answer.text)
        assert answer.json()["errors"][0]["field"] in ("limit", "offset"), (path, answer.text)


async def test_an_offset_past_the_end_is_an_empty_page_on_every_list(world: World) -> None:
    for path in await _lists(world.client, "offset"):
        answer = await world.client.get(f"{path}?offset=1000000000", headers=world.root.headers)
        assert answer.status_code in (200, 503), (path, answer.text)  # news without feeds is 503
        if answer.status_code == 200:
            assert answer.json()["items"] == [], path


# --- NUL and long strings in every text field ----------------------------------------------------------------------

VALID: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/auth/register"): {"email": "n@example.com", "password": "p" * 10, "full_name": "N"},
    ("POST", "/auth/login"): {"email": "n@example.com", "password": "p" * 10},
    ("POST", "/auth/refresh"): {"refresh_token": "r"},
    ("PATCH", "/users/me"): {"full_name": "N", "timezone": "Europe/Berlin", "location": {"lat": 1, "lon": 2}},
    ("POST", "/users/me/password"): {"current_password": "p" * 10, "new_password": "q" * 10},
    ("POST", "/assistants"): {"name": "A", "model": "m", "instructions": "i", "description": "d"},
    ("POST", "/conversations"): {"title": "t"},
    ("POST", "/tasks"): {"title": "t", "description": "d"},
    ("POST", "/cron-jobs"): {**A_JOB, "timezone": "Europe/Berlin"},
    ("POST", "/webhooks"): {"url": PUBLIC_HOOK, "events": ["webhook.test"], "description": "d"},
    ("POST", "/tools"): {"name": "t1", "tool_type": "time", "description": "d", "input_schema": {"type": "object"}},
    ("POST", "/users"): {"email": "u@example.com", "full_name": "U", "username": "u", "telegram_id": 5},
    ("POST", "/api-keys"): {"name": "k", "scopes": ["users:read"]},
    ("POST", "/integrations/gmail/connect"): {"return_url": RETURN},
}


def _text_fields(body: dict[str, Any], prefix: str = "") -> list[str]:
    fields: list[str] = []
    for name, value in body.items():
        if isinstance(value, str):
            fields.append(prefix + name)
        elif isinstance(value, dict):
            fields += _text_fields(value, f"{prefix}{name}.")
    return fields


def _with(body: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    return {**body, head: _with(body[head], rest, value) if rest else value}


async def _send(world: World, route: tuple[str, str], body: dict[str, Any]) -> Any:
    who = world.root if route[1] in ("/tools", "/users", "/api-keys") else world.ann
    return await world.client.request(route[0], API + route[1], json=body, headers=who.headers)


@pytest.mark.parametrize("route", list(VALID), ids=[f"{m} {p}" for m, p in VALID])
async def test_a_nul_in_any_text_field_is_422_naming_it(world: World, route: tuple[str, str]) -> None:
    for name in _text_fields(VALID[route]):
        answer = await _send(world, route, _with(VALID[route], name, "a\x00b"))
        assert answer.status_code == 422, (name, answer.text)
        assert answer.json()["errors"] == [{"field": name, "message": "must not contain a NUL character"}]


@pytest.mark.parametrize("route", list(VALID), ids=[f"{m} {p}" for m, p in VALID])
async def test_a_very_long_text_is_refused_naming_it_or_kept_whole(world: World, route: tuple[str, str]) -> None:
    long = "é" * 300_000  # 600 kB of UTF-8: under the body limit, past every field's
    for name in _text_fields(VALID[route]):
        answer = await _send(world, route, _with(VALID[route], name, long))
        assert answer.status_code != 500, (name, answer.text[:300])
        if answer.status_code == 422:  # named: the field, or the object it is in (a JSON Schema refused whole)
            named = [e["field"] for e in answer.json()["errors"]]
            assert any(name == f or name.startswith(f + ".") for f in named), (name, named)


async def test_a_nul_in_a_message_a_query_or_a_nested_payload_is_422(world: World) -> None:
    await _conversation(world)
    said = await world.client.post(
        f"{API}/conversations/{world.made['conversation']}/messages",
        json={"content": "\x00"},
        headers=world.ann.headers,
    )
    assert said.json()["errors"] == [{"field": "content", "message": "must not contain a NUL character"}]
    payload = await world.client.post(
        f"{API}/cron-jobs", json={**A_JOB, "payload": {"message": "up\x00"}}, headers=world.ann.headers
    )
    assert payload.json()["errors"] == [{"field": "payload.message", "message": "must not contain a NUL character"}]
    for query in ("/users?q=%00", "/news/top?q=a%00", "/assistants?q=%00"):
        answer = await world.client.get(API + query, headers=world.root.headers)
        assert answer.status_code == 422, (query, answer.text)
    messages = await world.ok("GET", f"/conversations/{world.made['conversation']}/messages")
    assert [m["content"] for m in messages["items"] if m["role"] == "user"] == ["hello"]


async def test_a_nul_in_a_socket_message_is_an_error_frame_and_nothing_is_stored(world: World) -> None:
    await _conversation(world)
    with await world.client.websocket_connect(f"{API}/ws/agent") as socket:
        socket.send_json({"type": "auth", "token": world.ann.access_token})
        socket.send_json({"type": "message", "conversation_id": world.made["conversation"], "content": "a\x00"})
        frame = socket.receive_json(timeout=10)
    assert frame == {"type": "error", "status": 422, "detail": "content must not contain a NUL character"}
    messages = await world.ok("GET", f"/conversations/{world.made['conversation']}/messages")
    assert [m["content"] for m in messages["items"] if m["role"] == "user"] == ["hello"]


async def test_a_value_of_the_wrong_json_type_is_not_coerced(world: World) -> None:
    for body, name in (
        ({"name": "A", "is_secretary": "true"}, "is_secretary"),
        ({"name": "A", "is_secretary": 1}, "is_secretary"),
        ({"name": "A", "tool_ids": "[]"}, "tool_ids"),
    ):
        answer = await world.client.post(f"{API}/assistants", json=body, headers=world.ann.headers)
        assert answer.status_code == 422, answer.text
        assert [e["field"] for e in answer.json()["errors"]] == [name]
    assert (await world.ok("GET", "/assistants"))["items"] == []


# --- SSRF through the webhook URL ------------------------------------------------------------------------------------

SSRF = [
    "http://127.0.0.1/h",
    "http://2130706433/h",  # decimal
    "http://0177.0.0.1/h",  # octal
    "http://0x7f.0.0.1/h",  # hex
    "http://127.1/h",  # short form
    "http://0/h",
    "http://[::1]/h",
    "http://[::ffff:127.0.0.1]/h",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/h",  # the same, of 169.254.169.254
    "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.1/h",
    "http://[fd00::1]/h",
    "http://internal.example.com/h",  # resolves to 10.1.2.3
    "http://rebind.example.com/h",  # a public answer beside a loopback one
    "http://localhost./h",  # the root-anchored spelling of localhost
    "http://unknown.example.com/h",  # resolves to nothing
    "http://user:pw@hooks.example.com/h",  # credentials in the URL
    "gopher://hooks.example.com/h",
]


async def test_a_webhook_url_that_reaches_inside_is_refused_at_creation_and_edit(world: World) -> None:
    world.names.table.update(
        {
            "hooks.example.com": ["93.184.216.34"],
            "internal.example.com": ["10.1.2.3"],
            "rebind.example.com": ["93.184.216.34", "127.0.0.1"],
            "localhost.": ["127.0.0.1"],
            "localhost": ["127.0.0.1"],
        }
    )
    hook = await world.ok("POST", "/webhooks", json={"url": "http://hooks.example.com/h", "events": ["webhook.test"]})
    for url in SSRF:
        created = await world.client.post(
            f"{API}/webhooks", json={"url": url, "events": ["webhook.test"]}, headers=world.ann.headers
        )
        assert created.status_code == 422, (url, created.text)
        assert created.json()["errors"][0]["field"] == "url"
        moved = await world.client.patch(f"{API}/webhooks/{hook['id']}", json={"url": url}, headers=world.ann.headers)
        assert moved.status_code == 422, (url, moved.text)
    assert (await world.ok("GET", f"/webhooks/{hook['id']}"))["url"] == "http://hooks.example.com/h"
    assert [h["id"] for h in (await world.ok("GET", "/webhooks"))["items"]] == [hook["id"]]


# --- Refresh tokens ------------------------------------------------------------------------------------------------


async def _refresh(client: Client, token: str) -> Any:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": token})


def _forged(token: str) -> list[str]:
    """Refresh tokens are opaque and stored as digests: near misses of a real one."""
    last = "A" if token[-1] != "A" else "B"
    return [token[:-1] + last, token[:-1], token + "A", token.upper(), token[::-1], f" {token}", "rt_" + "A" * 43]


async def test_forged_access_and_foreign_tokens_never_refresh(world: World) -> None:
    for token in [world.ann.access_token, *_forged(world.ann.refresh_token), "x" * 300]:
        assert (await _refresh(world.client, token)).status_code in (401, 422), token
    assert (await _refresh(world.client, world.ann.refresh_token)).status_code == 200  # the real one still works


async def test_a_refresh_token_is_spent_after_logout_and_reuse_within_the_grace_keeps_the_session(
    world: World,
) -> None:
    rotated = await _refresh(world.client, world.ann.refresh_token)
    assert rotated.status_code == 200
    again = await _refresh(world.client, world.ann.refresh_token)  # a second tab, moments later
    assert again.status_code == 401
    fresh = rotated.json()
    me = await world.client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    assert me.status_code == 200  # nothing revoked within the grace
    await world.client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {fresh['access_token']}"})
    assert (await _refresh(world.client, fresh["refresh_token"])).status_code == 401


async def test_concurrent_refreshes_of_two_sessions_do_not_cross(world: World) -> None:
    """Each session's token refreshes once; a race in one never spends or revokes the other's."""
    other = await signup(world.client, email=f"x{uuid.uuid4().hex[:6]}@example.com")
    answers = await asyncio.gather(
        *(_refresh(world.client, token) for token in [world.ann.refresh_token] * 5 + [other.refresh_token] * 5)
    )
    codes = [a.status_code for a in answers]
    assert codes[:5].count(200) == 1, codes
    assert codes[5:].count(200) == 1, codes
    for answer in (answers[codes[:5].index(200)], answers[5 + codes[5:].index(200)]):
        bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        assert (await world.client.get(f"{API}/users/me", headers=bearer)).status_code == 200


# --- OAuth state abuse ----------------------------------------------------------------------------------------------


def _tampered(callback: str) -> str:
    state = callback.split("state=")[1].split("&", maxsplit=1)[0]
    return callback.replace(state, state[:-1] + ("A" if state[-1] != "A" else "B"))


async def _integration_callback(world: World) -> str:
    started = await world.ok("POST", "/integrations/gmail/connect", json={"return_url": RETURN})
    return await world.consent(started["authorization_url"])


async def _sign_in_callback(world: World) -> str:
    started = await world.client.get(f"{API}/oauth/google/login")
    assert started.status_code == 302, started.text
    return await world.consent(started.headers["location"])


def _crossed(callback: str, into: str) -> str:
    """The query of one flow's callback at the other flow's callback path."""
    return f"{API}/{into}?{callback.split('?', 1)[1]}"


async def _tampered_integration(w: World) -> str:
    return _tampered(await _integration_callback(w))


async def _tampered_sign_in(w: World) -> str:
    return _tampered(await _sign_in_callback(w))


async def _sign_in_state_at_integrations(w: World) -> str:
    return _crossed(await _sign_in_callback(w), "integrations/callback")


async def _integration_state_at_sign_in(w: World) -> str:
    return _crossed(await _integration_callback(w), "oauth/google/callback")


async def _expired_integration(w: World) -> str:
    callback = await _integration_callback(w)
    w.clock.advance(w.settings.oauth_state_ttl + 1)
    return callback


async def _expired_sign_in(w: World) -> str:
    callback = await _sign_in_callback(w)
    w.clock.advance(w.settings.oauth_state_ttl + 1)
    return callback


async def _reused_integration(w: World) -> str:
    """Used once (and that connection removed again), then presented a second time."""
    callback = await _integration_callback(w)
    assert (await w.client.get(callback)).status_code == 302
    [connection] = await w.ok("GET", "/integrations")
    await w.ok("DELETE", f"/integrations/{connection['id']}")
    return callback


async def _reused_sign_in(w: World) -> str:
    """Used once (and the account it made removed again), then presented a second time."""
    callback = await _sign_in_callback(w)
    assert (await w.client.get(callback)).status_code == 200
    users = (await w.ok("GET", "/users?limit=100", who=w.root))["items"]
    google_user = next(u for u in users if u["email"] == w.google.identity["email"])
    await w.client.delete(f"{API}/users/{google_user['id']}", headers=w.root.headers)
    return callback


ABUSES: dict[str, Callable[[World], Awaitable[str]]] = {
    "tampered integration state": _tampered_integration,
    "tampered sign-in state": _tampered_sign_in,
    "sign-in state at the integrations callback": _sign_in_state_at_integrations,
    "integration state at the sign-in callback": _integration_state_at_sign_in,
    "expired integration state": _expired_integration,
    "expired sign-in state": _expired_sign_in,
    "reused integration state": _reused_integration,
    "reused sign-in state": _reused_sign_in,
}


@pytest.mark.parametrize("abuse", list(ABUSES))
async def test_an_abused_oauth_state_is_400_and_stores_nothing(world: World, abuse: str) -> None:
    world.google.reset()
    callback = await ABUSES[abuse](world)
    users_before = (await world.ok("GET", "/users?limit=100", who=world.root))["total"]
    answer = await world.client.get(callback)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "access_token" not in answer.text
    assert await world.ok("GET", "/integrations") == []
    assert (await world.ok("GET", "/users?limit=100", who=world.root))["total"] == users_before
