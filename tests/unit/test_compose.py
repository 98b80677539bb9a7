"""compose.yaml and the Dockerfile, read as files: no Docker engine is needed to catch a broken served setup."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from assistme.api.openapi import SCALAR_FILE

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "api", "worker", "scheduler")
REQUIRED = re.compile(r"\$\{[A-Z0-9_]+:\?[^}]+\}")  # ${NAME:?message}: compose refuses to start without it
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$")


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.yaml").read_text()))


def services() -> dict[str, Any]:
    return dict(compose()["services"])


def command(service: str) -> list[str]:
    return list(services()[service]["command"])


def test_compose_starts_every_process_of_the_served_setup() -> None:
    assert set(services()) == {"postgres", "redis", "migrate", "api", "worker", "scheduler"}
    assert services()["postgres"]["image"] == "postgres:16"
    assert services()["redis"]["image"] == "redis:7"
    assert command("migrate") == ["assistme", "db", "upgrade"]
    assert command("api")[:4] == ["assistme", "run", "--host", "0.0.0.0"]  # noqa: S104 (inside its container)
    assert command("worker")[:2] == ["taskiq", "worker"]
    assert command("worker")[-1] == "assistme.worker:broker"
    assert command("scheduler")[:2] == ["taskiq", "scheduler"]
    assert command("scheduler")[-1] == "assistme.scheduler:scheduler"


def test_api_worker_and_scheduler_start_only_after_migrations_succeed() -> None:
    for name in ("api", "worker", "scheduler"):
        assert services()[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert services()["migrate"]["restart"] == "no"  # one shot: a restart policy would loop it
    assert services()["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_postgres_redis_and_the_api_report_their_health() -> None:
    for name in ("postgres", "redis", "api"):
        assert services()[name]["healthcheck"]["test"], name
    assert "/api/v1/ready" in " ".join(services()["api"]["healthcheck"]["test"])


def test_the_app_runs_in_production_against_postgres_and_redis() -> None:
    for name in APP_SERVICES:
        env = services()[name]["environment"]
        assert env["ASSISTME_ENVIRONMENT"] == "production", name
        assert env["ASSISTME_DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert env["ASSISTME_REDIS_URL"].startswith("redis://"), name


def test_no_secret_is_written_into_compose() -> None:
    for name, service in services().items():
        for key, value in dict(service.get("environment", {})).items():
            if SECRET_NAME.search(key):
                assert REQUIRED.fullmatch(str(value)), f"{name}: {key} must come from the environment"
            password = re.match(r"\w[\w+.-]*://[^:/@]+:([^@]+)@", str(value))
            if password:
                assert REQUIRED.fullmatch(password.group(1)), f"{name}: {key} embeds a password"
    assert "ASSISTME_SECRET_KEY:?" in services()["api"]["environment"]["ASSISTME_SECRET_KEY"]


def test_image_runs_unprivileged_with_migrations_and_the_offline_docs_bundle() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    scalar_version = re.search(r"^SCALAR_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert scalar_version is not None
    assert f"@scalar/api-reference@{scalar_version.group(1)}" in dockerfile  # the bundle `make` serves locally
    static_dir = re.search(r"ASSISTME_STATIC_DIR=(\S+)", dockerfile)
    assert static_dir is not None
    assert f"standalone.js {static_dir.group(1)}/{SCALAR_FILE}" in dockerfile  # where the app looks for it
    assert "COPY migrations ./migrations" in dockerfile
    assert re.search(r"^USER (?!root\b)\w+$", dockerfile, re.M)
