"""Every error is RFC 9457 problem+json, Litestar's own included; no stack trace ever reaches a client."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from dishka import Provider, Scope, provide
from httpx import Response

from assistme.config import Settings
from assistme.core.identity.principal import Principal
from assistme.core.identity.profile import CurrentUser
from tests.support.accounts import signup
from tests.support.apps import Client, running

MIB = 1024 * 1024
INTERNALS = "password=hunter2 in /srv/assistme/secret_module.py"


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def fields(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["errors"]]


async def test_unknown_route_is_a_404_problem(client: Client) -> None:
    assert_problem(await client.get("/api/v1/no-such-thing"), 404)


async def test_wrong_method_is_a_405_problem(client: Client) -> None:
    assert_problem(await client.delete("/api/v1/health"), 405)


async def test_malformed_json_is_a_400_problem_not_422(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/register", content=b'{"email": "a@example.com", ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 400)


async def test_body_over_one_mib_is_a_413_problem(client: Client) -> None:
    body = b'{"email": "' + b"a" * MIB + b'"}'
    response = await client.post("/api/v1/auth/register", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 413)


async def test_body_of_exactly_one_mib_is_read(client: Client) -> None:
    padding = b" " * (MIB - 2)  # whitespace keeps it valid JSON: the answer is about the fields, not the size
    response = await client.post(
        "/api/v1/auth/register", content=b"{" + padding + b"}", headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)


async def test_chunked_body_over_one_mib_without_content_length_is_a_413_problem(client: Client) -> None:
    # httpx cannot stream a body through the test transport: speak ASGI to the app, on the client's event loop.
    chunk = b" " * (64 * 1024)
    messages: list[dict[str, Any]] = [{"type": "http.request", "body": chunk, "more_body": True}] * 17
    messages.append({"type": "http.request", "body": b"", "more_body": False})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/auth/register",
        "raw_path": b"/api/v1/auth/register",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver.local"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
    }
    client.blocking_portal.call(client.app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 413
    assert headers["content-type"].startswith("application/problem+json")
    assert headers["x-request-id"]


async def test_missing_required_field_is_422_naming_it(client: Client) -> None:
    body = assert_problem(await client.post("/api/v1/auth/register", json={"email": "a@example.com"}), 422)
    assert fields(body) == ["password"]
    assert all(error["message"] for error in body["errors"])


async def test_wrong_type_is_422_naming_the_field(client: Client) -> None:
    response = await client.post("/api/v1/auth/register", json={"email": 42, "password": "correct horse battery"})
    assert fields(assert_problem(response, 422)) == ["email"]


async def test_body_that_is_not_an_object_is_422_naming_the_body(client: Client) -> None:
    response = await client.post("/api/v1/auth/register", json=["a@example.com"])
    assert fields(assert_problem(response, 422)) == ["body"]


async def test_empty_body_is_422_naming_the_body(client: Client) -> None:
    response = await client.post("/api/v1/auth/register", content=b"", headers={"content-type": "application/json"})
    assert fields(assert_problem(response, 422)) == ["body"]


@pytest.mark.parametrize("field", ["role", "is_active", "email", "id", "telegram_id"])
async def test_patching_a_field_users_cannot_set_is_422_naming_it(client: Client, field: str) -> None:
    account = await signup(client)
    response = await client.patch("/api/v1/users/me", json={field: "admin"}, headers=account.headers)
    body = assert_problem(response, 422)
    assert fields(body) == [field]
    assert (await client.get("/api/v1/users/me", headers=account.headers)).json()["role"] == "user"


async def test_nested_field_errors_carry_the_dotted_path(client: Client) -> None:
    account = await signup(client)
    missing = await client.patch("/api/v1/users/me", json={"location": {"lat": 1}}, headers=account.headers)
    assert fields(assert_problem(missing, 422)) == ["location.lon"]
    unknown = await client.patch(
        "/api/v1/users/me", json={"location": {"lat": 1, "lon": 2, "alt": 3}}, headers=account.headers
    )
    assert fields(assert_problem(unknown, 422)) == ["location.alt"]
    out_of_range = await client.patch(
        "/api/v1/users/me", json={"location": {"lat": 91, "lon": 2}}, headers=account.headers
    )
    assert fields(assert_problem(out_of_range, 422)) == ["location.lat"]


class _Exploding:
    async def __call__(self, principal: Principal) -> None:
        raise RuntimeError(INTERNALS)


class BrokenCurrentUser(Provider):
    """Makes the use case behind GET /users/me fail as a bug would."""

    @provide(scope=Scope.REQUEST)
    def current_user(self) -> CurrentUser:
        return _Exploding()  # type: ignore[return-value]


@pytest.mark.usefixtures("app")
async def test_unexpected_exception_is_a_generic_500_without_internals(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="assistme.errors")
    async with running(settings, BrokenCurrentUser()) as client:
        account = await signup(client)
        response = await client.get("/api/v1/users/me", headers=account.headers)
    body = assert_problem(response, 500)
    assert body["detail"] == "something went wrong on our side"
    for leak in ("hunter2", "secret_module", "RuntimeError", "Traceback", 'File "'):
        assert leak not in response.text
    # the operator gets the traceback, under the id the client saw
    [record] = [r for r in caplog.records if r.name == "assistme.errors"]
    assert record.exc_info is not None
    assert record.fields["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]
