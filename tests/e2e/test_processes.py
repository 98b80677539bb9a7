"""The real processes: `assistme run` served over HTTP, and the `assistme` console script's commands."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.support.processes import DEADLINE, PASSWORD, cli, environment, serving


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh embedded database, migrated by the console script."""
    env = environment(tmp_path_factory.mktemp("e2e"))
    cli(env, "db", "upgrade")
    return env


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with serving(env, tmp_path) as base:
        yield base


def test_served_api_registers_logs_in_and_knows_the_user(server: str) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(base_url=server, timeout=10) as http:
        registered = http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        login = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        me = http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})

    assert me.status_code == 200, me.text
    assert me.json()["email"] == email
    assert me.json()["id"] == registered.json()["id"]
    assert "X-Request-ID" in me.headers


def test_embedded_api_runs_a_reminder_by_itself(server: str) -> None:
    """`make run` alone: the scheduler loop and the in-process broker live in the API process."""
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(base_url=server, timeout=10) as http:
        http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        token = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        at = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
        body = {"name": "tea", "type": "notification", "payload": {"message": "the kettle"}, "run_at": at}
        assert http.post("/api/v1/cron-jobs", json=body, headers=auth).status_code == 201
        deadline = time.monotonic() + DEADLINE
        while not (inbox := http.get("/api/v1/notifications", headers=auth).json())["items"]:
            assert time.monotonic() < deadline, "the reminder never reached the inbox"
            time.sleep(0.2)

    assert [(n["title"], n["body"]) for n in inbox["items"]] == [("tea", "the kettle")]


def test_cli_creates_an_admin_lists_users_and_refuses_to_demote_the_last_admin(env: dict[str, str]) -> None:
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"

    created = cli(env, "user", "create", "--email", email, "--password", PASSWORD, "--admin")
    assert created.stdout.split()[1:] == [email, "admin"]
    assert PASSWORD not in created.stdout + created.stderr

    listed = cli(env, "user", "list").stdout
    assert any(email in line and "admin" in line and "active" in line for line in listed.splitlines())

    demoted = cli(env, "user", "set-role", email, "user", ok=False)
    assert demoted.returncode != 0
    assert "last active admin" in demoted.stderr
    assert "Traceback" not in demoted.stderr


def test_cli_lists_every_route_with_its_methods(env: dict[str, str]) -> None:
    routes = [line.split() for line in cli(env, "routes").stdout.splitlines()]

    assert ["POST", "/api/v1/auth/login"] in routes
    assert ["GET", "/api/v1/health"] in routes
    assert ["GET", "/api/v1/ready"] in routes


def test_cli_walks_migrations_down_to_nothing_and_back_up(tmp_path: Path) -> None:
    env = environment(tmp_path)
    cli(env, "db", "upgrade")
    assert "0001" in cli(env, "db", "history").stdout

    cli(env, "db", "downgrade", "base")
    unmigrated = cli(env, "user", "list", ok=False)  # no tables left: one clear line, no traceback
    assert unmigrated.returncode != 0
    assert "assistme db upgrade" in unmigrated.stderr
    assert "Traceback" not in unmigrated.stderr

    cli(env, "db", "upgrade")
    assert "(head)" in cli(env, "db", "current").stdout
