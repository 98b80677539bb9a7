"""schemathesis against the app's own OpenAPI document, in process: every operation, valid and invalid data, every
default check. A failure is fixed in the app or the schema, never by loosening a check."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from anyio.from_thread import start_blocking_portal
from dishka import Provider
from litestar import Litestar
from schemathesis.python import asgi

from assistme.app import create_app
from assistme.config import Settings
from assistme.core.identity.entities import Role
from tests.support.accounts import PASSWORD, set_role

SCHEMA = "/schema/openapi.json"
MAX_EXAMPLES = 10
SEED = 20260808
ADMIN_PATHS = (  # the operations only an admin (or an API key) may call, run again as an admin
    r"^/api/v1/(users($|/\{user_id\}|/by-telegram/)|api-keys|tools|calendar/\{user_id\}|telegram/link|analytics)"
)


def sign_up(app: Litestar, role: Role) -> str:
    """A fresh account's access token, through the API as any client gets one."""
    email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
    with asgi.get_client(app) as client:
        created = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert created.status_code == 201, created.text
        if role is not Role.USER:
            with start_blocking_portal() as portal:
                portal.call(set_role, app, created.json()["id"], role)
        tokens = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert tokens.status_code == 200, tokens.text
        return str(tokens.json()["access_token"])


class Account:
    """The bearer token of a signed-up account, one per app; a 401 (the fuzzer deleted the account or ended the
    session) makes schemathesis ask again, and a new account is signed up."""

    role = Role.USER

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        return sign_up(ctx.app, self.role)

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


class AdminAccount(Account):
    role = Role.ADMIN


def _per_app(_: schemathesis.Case, ctx: schemathesis.AuthContext) -> int:
    return id(ctx.app)


ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' default for valid data
# Valid by the schema, refused by a rule no OpenAPI schema can state: what exists, what is configured, what the
# caller knows. Each operation here may also answer the status named, for the reason given; nothing else is eased.
BEYOND_THE_SCHEMA: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/api/v1/oauth/google/login"): ("422", "return_url must be on the configured allow-list"),
    ("GET", "/api/v1/oauth/google/callback"): ("400", "the state is one this server issued, unspent, to this browser"),
    ("GET", "/api/v1/integrations/callback"): ("400", "the state is one this server issued and is unspent"),
    ("POST", "/api/v1/integrations/{provider}/connect"): ("422", "return_url must be on the allow-list"),
    ("POST", "/api/v1/integrations/{connection_id}/execute"): ("422", "params follow the action's own schema"),
    ("POST", "/api/v1/users/me/password"): ("422", "current_password must be the account's password"),
    ("PATCH", "/api/v1/users/me"): ("422", "timezone must be an IANA zone"),
    ("POST", "/api/v1/users"): ("422", "an account needs an email or a telegram_id; timezone is an IANA zone"),
    ("PUT", "/api/v1/users/{user_id}"): ("422", "timezone must be an IANA zone"),
    ("PATCH", "/api/v1/users/{user_id}"): ("422", "timezone must be an IANA zone"),
    ("POST", "/api/v1/cron-jobs"): ("422", "a cron expression that parses, an IANA zone, a future run_at, a payload"),
    ("PUT", "/api/v1/cron-jobs/{job_id}"): ("422", "the same rules as a new job"),
    ("PATCH", "/api/v1/cron-jobs/{job_id}"): ("422", "the same rules as a new job"),
    ("POST", "/api/v1/tools"): ("422", "input_schema must be a valid JSON Schema of an object"),
    ("PUT", "/api/v1/tools/{tool_id}"): ("422", "input_schema must be a valid JSON Schema of an object"),
    ("PATCH", "/api/v1/tools/{tool_id}"): ("422", "input_schema must be a valid JSON Schema of an object"),
    ("POST", "/api/v1/assistants"): ("422", "tool_ids must name existing tools"),
    ("PUT", "/api/v1/assistants/{assistant_id}"): ("422", "tool_ids must name existing tools"),
    ("PATCH", "/api/v1/assistants/{assistant_id}"): ("422", "tool_ids must name existing tools"),
    ("POST", "/api/v1/secretaries"): ("422", "assistant_id must be one of the caller's secretary assistants"),
    ("PUT", "/api/v1/users/{user_id}/secretary"): ("422", "assistant_id must be one of that user's assistants"),
    ("POST", "/api/v1/conversations"): ("422", "assistant_id must be one of the caller's assistants"),
    ("POST", "/api/v1/tasks"): ("422", "assistant_id must be one of the caller's assistants"),
    ("POST", "/api/v1/webhooks"): ("422", "url must resolve to a public address"),
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): ("422", "url must resolve to a public address"),
    ("GET", "/api/v1/weather/current"): ("422", "timezone must be an IANA zone; lat and lon come together"),
    ("GET", "/api/v1/news/top"): ("422", "sources must be configured feed names"),
    ("GET", "/api/v1/dashboard/morning"): ("422", "lat and lon come together"),
    ("GET", "/api/v1/calendar/events"): ("422", "from must come before to"),
    ("POST", "/api/v1/telegram/link"): ("422", "code must be one the user was given, unspent"),
}
IDEMPOTENT_REUSE = ("422", "an Idempotency-Key already used with another request")


def _idempotent(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    ]


def _config(document: dict[str, Any]) -> schemathesis.Config:
    beyond = {op: [status] for op, (status, _why) in BEYOND_THE_SCHEMA.items()}
    for op in _idempotent(document):
        beyond.setdefault(op, []).append(IDEMPOTENT_REUSE[0])
    operations = [
        {
            "include-name": f"{method} {path}",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, *statuses]}},
        }
        for (method, path), statuses in beyond.items()
    ]
    generation = {
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,  # the same cases on every run: CI is stable, a failure reproduces
        "database": "none",
        "allow-x00": False,  # NUL is refused in every text (tests/adversarial/test_attacks.py proves it)
    }
    return schemathesis.Config.from_dict({"seed": SEED, "generation": generation, "operations": operations})


def _load(app: Litestar) -> schemathesis.BaseSchema:
    with asgi.get_client(app) as client:
        document = client.get(SCHEMA).json()
    return schemathesis.openapi.from_asgi(SCHEMA, app, config=_config(document))


@pytest.fixture
def fuzzed_app(
    app: Litestar, hostile_settings: Settings, hostile_providers: tuple[Provider, ...]
) -> Iterator[Litestar]:
    """``app`` only for its cleanup of the database afterwards."""
    fuzzed = create_app(hostile_settings, *hostile_providers)
    yield fuzzed
    asgi.shutdown_lifespans()


@pytest.fixture
def api(fuzzed_app: Litestar, request: pytest.FixtureRequest) -> schemathesis.BaseSchema:
    # schemathesis 4.32 reads and renames the test's node through ``_nodeid``, which pytest 9.2 no longer has.
    request.node._nodeid = request.node.nodeid
    return _load(fuzzed_app)


user_api = schemathesis.pytest.from_fixture("api")
user_api.auth(refresh_interval=3600, cache_by_key=_per_app)(Account)
admin_api = schemathesis.pytest.from_fixture("api").include(path_regex=ADMIN_PATHS)
admin_api.auth(refresh_interval=3600, cache_by_key=_per_app)(AdminAccount)


@user_api.parametrize()
def test_every_operation_as_a_signed_in_user(case: schemathesis.Case) -> None:
    case.call_and_validate()


@admin_api.parametrize()
def test_the_admin_operations_as_an_admin(case: schemathesis.Case) -> None:
    case.call_and_validate()
