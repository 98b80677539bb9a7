"""Request ids and request logs, liveness and readiness, the OpenAPI document and the docs page."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar.testing import transport as test_transport

from assistme.api.openapi import SCALAR_CDN
from assistme.config import Settings
from assistme.logs import JsonFormatter
from tests.support.accounts import PASSWORD, signup
from tests.support.apps import BASE_URL, Client, running

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
DEADLINE = 10.0  # seconds: a bound on a hung readiness check, not a measurement
UNREACHABLE_PG = "postgresql+asyncpg://postgres@127.0.0.1:1/assistme"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


async def test_every_response_carries_a_request_id(client: Client) -> None:
    account = await signup(client)
    responses = [
        await client.get("/api/v1/health"),
        await client.get("/api/v1/users/me", headers=account.headers),
        await client.get("/api/v1/users/me"),
        await client.get("/api/v1/no-such-thing"),
        await client.delete("/api/v1/health"),
        await client.post("/api/v1/auth/register", content=b"x" * (1024 * 1024 + 1)),
    ]
    assert [r.status_code for r in responses] == [200, 200, 401, 404, 405, 413]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(GENERATED_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("sent", ["3f2c9a1e-5b7d-4c1e-9a2b-0c8d7e6f5a4b", "req_42.edge-1:retry"])
async def test_a_sane_request_id_is_echoed(client: Client, sent: str) -> None:
    response = await client.get("/api/v1/no-such-thing", headers={"X-Request-ID": sent})
    assert response.headers["x-request-id"] == sent


@pytest.mark.parametrize("sent", ["a" * 129, "<script>alert(1)</script>", "id with spaces", "id\ttab"])
async def test_a_garbage_request_id_is_replaced(client: Client, sent: str) -> None:
    response = await client.get("/api/v1/health", headers={"X-Request-ID": sent})
    assert GENERATED_ID.match(response.headers["x-request-id"])


@pytest.mark.usefixtures("app")
async def test_each_request_writes_one_json_log_line_without_secrets(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running(msgspec.structs.replace(settings, log_requests=True)) as client:
        account = await signup(client)
        me = await client.get("/api/v1/users/me", headers={**account.headers, "X-Request-ID": "me-1"})
        bad = await client.post("/api/v1/auth/login", json={"email": account.email, "password": "not " + PASSWORD})
        refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": account.refresh_token})
    assert (me.status_code, bad.status_code, refreshed.status_code) == (200, 401, 200)

    lines = [msgspec.json.decode(JsonFormatter().format(r)) for r in caplog.records if r.name == "assistme.requests"]
    assert len(lines) == 5  # register, login, me, failed login, refresh: one line each
    by_id = {line["request_id"]: line for line in lines}
    assert by_id["me-1"]["method"] == "GET"
    assert by_id["me-1"]["path"] == "/api/v1/users/me"
    assert by_id["me-1"]["status"] == 200
    assert by_id["me-1"]["user_id"] == account.id
    assert by_id["me-1"]["duration_ms"] >= 0
    failed = by_id[bad.headers["x-request-id"]]
    assert (failed["path"], failed["status"]) == ("/api/v1/auth/login", 401)
    assert "user_id" not in failed

    everything = "\n".join([caplog.text, *(JsonFormatter().format(r) for r in caplog.records)])
    secrets = [account.password, account.access_token, account.refresh_token, refreshed.json()["refresh_token"]]
    assert not [s for s in secrets if s in everything]


async def test_health_is_ok(client: Client) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_answers_with_every_dependency_unreachable(settings: Settings) -> None:
    redis_url = None if settings.embedded else UNREACHABLE_REDIS
    down = msgspec.structs.replace(settings, database_url=UNREACHABLE_PG, redis_url=redis_url)
    async with running(down) as client:
        response = await client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_the_database_and_redis_when_served(client: Client, settings: Settings) -> None:
    response = await client.get("/api/v1/ready")
    assert response.status_code == 200
    expected = {"database": "ok"} if settings.embedded else {"database": "ok", "broker": "ok"}
    assert response.json() == {"status": "ready", "checks": expected}


async def test_an_unreachable_database_answers_503_problems_not_500(settings: Settings) -> None:
    async with running(msgspec.structs.replace(settings, database_url=UNREACHABLE_PG)) as client:
        response = await client.post("/api/v1/auth/register", json={"email": "a@example.com", "password": PASSWORD})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["detail"] == "the database is unreachable"


async def test_ready_is_503_naming_an_unreachable_database(settings: Settings) -> None:
    async with running(msgspec.structs.replace(settings, database_url=UNREACHABLE_PG)) as client:
        response = await client.get("/api/v1/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "failed"
    assert all(state == "ok" for name, state in body["checks"].items() if name != "database")


async def test_ready_is_503_naming_an_unreachable_redis(settings: Settings) -> None:
    if settings.embedded:
        pytest.skip("the embedded setup has no Redis")
    async with running(msgspec.structs.replace(settings, redis_url=UNREACHABLE_REDIS)) as client:
        response = await client.get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "failed"}


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them) and never says a word."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


async def test_ready_gives_up_on_a_hanging_dependency_and_names_it(settings: Settings, black_hole: int) -> None:
    hung = f"postgresql+asyncpg://postgres@127.0.0.1:{black_hole}/assistme"
    async with running(msgspec.structs.replace(settings, database_url=hung, readiness_timeout=0.5)) as client:
        # The test transport blocks this event loop while the app runs: bound it from a thread instead.
        request = httpx.Request("GET", f"{BASE_URL}/api/v1/ready")
        transport = test_transport.TestClientTransport(client=client)
        response = await asyncio.wait_for(asyncio.to_thread(transport.handle_request, request), DEADLINE)
        response.read()
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "timeout"


async def schema(client: Client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


async def test_openapi_is_3_1_with_the_bearer_scheme(client: Client) -> None:
    document = await schema(client)
    assert document["openapi"].startswith("3.1.")
    schemes = document["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())


async def test_every_operation_has_a_summary_and_documents_its_errors_as_problems(client: Client) -> None:
    for method, path, op in operations(await schema(client)):
        where = f"{method} {path}"
        assert op.get("summary"), where
        errors = {int(code): answer for code, answer in op["responses"].items() if int(code) >= 400}
        if op.get("security"):
            assert 401 in errors, where
        if op.get("requestBody"):
            assert {400, 413, 422} <= errors.keys(), where
        for code, answer in errors.items():
            if (where, code) != ("GET /api/v1/ready", 503):  # readiness keeps its own shape: probes read it
                assert list(answer["content"]) == ["application/problem+json"], (where, code)


async def test_authenticated_operations_carry_the_security_requirement_and_public_ones_do_not(
    client: Client,
) -> None:
    secured = {(m, p) for m, p, op in operations(await schema(client)) if op.get("security")}
    assert {("GET", "/api/v1/users/me"), ("GET", "/api/v1/auth/me"), ("POST", "/api/v1/auth/logout")} <= secured
    public = {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/health"}
    assert not {p for _, p in secured} & public


def _fill(path: str, op: dict[str, Any]) -> str:
    for param in op.get("parameters", []):
        if param["in"] == "path":
            kind = param["schema"].get("type")
            value = "1" if kind == "integer" else "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
            path = path.replace("{" + param["name"] + "}", value)
    return path


async def test_every_documented_secured_operation_answers_401_without_a_token(client: Client) -> None:
    for method, path, op in operations(await schema(client)):
        if op.get("security"):
            response = await client.request(method, _fill(path, op))
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Bearer"


async def test_docs_redirects_to_the_scalar_page(client: Client) -> None:
    response = await client.get("/docs", follow_redirects=False)
    assert response.is_redirect
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-url="/schema/openapi.json"' in page.text


async def test_docs_page_loads_scalar_from_the_app_when_the_bundle_is_installed(
    settings: Settings, tmp_path: Path
) -> None:
    bundle = tmp_path / "scalar" / "standalone.js"
    bundle.parent.mkdir()
    bundle.write_text("window.scalarLoaded = true;\n")
    async with running(msgspec.structs.replace(settings, static_dir=str(tmp_path))) as client:
        page = await client.get("/docs")
        script = await client.get("/docs/scalar.js")
    assert 'src="/docs/scalar.js"' in page.text
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]", page.text)  # nothing from another host: works offline
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.text == bundle.read_text()


async def test_docs_page_falls_back_to_the_cdn_without_the_bundle(settings: Settings, tmp_path: Path) -> None:
    async with running(msgspec.structs.replace(settings, static_dir=str(tmp_path))) as client:
        page = await client.get("/docs")
        script = await client.get("/docs/scalar.js")
    assert f'src="{SCALAR_CDN}"' in page.text
    assert script.status_code == 404
    assert script.headers["content-type"].startswith("application/problem+json")
