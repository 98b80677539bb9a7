"""The `assistme` console script: run the API, migrate the database, manage users, list routes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
import uvicorn

from assistme.config import Settings, load_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """assistme: the backend a personal assistant runs on."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
@click.option(
    "--graceful-timeout",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds a SIGTERM waits for requests in flight to finish before they are cut off.",
)
def run(host: str, port: int, workers: int, reload: bool, graceful_timeout: int) -> None:
    """Serve the API with uvicorn (uvloop and httptools)."""
    _settings()  # fail here, clearly, on bad settings
    uvicorn.run(
        "assistme.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        loop="uvloop",
        http="httptools",
        access_log=False,  # the app writes one structured line per request itself
        proxy_headers=False,  # client addresses come from ASSISTME_TRUSTED_PROXIES, not from uvicorn
        timeout_graceful_shutdown=graceful_timeout,  # else a request that never ends holds the shutdown forever
    )


@main.group()
def db() -> None:
    """Database migrations (Alembic through advanced-alchemy)."""


def _alembic() -> Any:
    from assistme.adapters.persistence.migrations import alembic

    return alembic(_settings().database_url)


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    _alembic().upgrade(revision)


@db.command()
@click.argument("revision", default="-1")
def downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (default: one step)."""
    _alembic().downgrade(revision)


@db.command()
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True, show_default=True)
def revision(message: str, autogenerate: bool) -> None:
    """Create a new migration from the models."""
    _alembic().revision(message=message, autogenerate=autogenerate)


@db.command()
def current() -> None:
    """Show the database's revision."""
    _alembic().current(verbose=True)


@db.command()
def history() -> None:
    """List every migration."""
    _alembic().history(verbose=False)


def _in_container(work: Callable[[Any], Awaitable[T]]) -> T:
    from advanced_alchemy.exceptions import AdvancedAlchemyError
    from sqlalchemy.exc import SQLAlchemyError

    from assistme.core.shared.errors import Unavailable
    from assistme.ioc import make_container

    async def go() -> T:
        container = make_container(_settings())
        try:
            async with container() as scope:
                return await work(scope)
        finally:
            await container.close()

    try:
        return asyncio.run(go())
    except (SQLAlchemyError, AdvancedAlchemyError, OSError, Unavailable) as exc:
        # A missing or unmigrated database is the usual cause: say so in one line, not a traceback.
        raise click.ClickException(
            f"the database failed: {_root_cause(exc)} (is it reachable, and migrated with `assistme db upgrade`?)"
        ) from None


def _root_cause(exc: BaseException) -> str:
    """The driver's own message, which carries no SQL statement and no parameters (a password hash, say)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc)


@main.group()
def user() -> None:
    """Manage accounts from the server (the first admin, say)."""


@user.command("create")
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default=None)
@click.option("--admin", is_flag=True, help="Make the account an admin.")
def user_create(email: str, password: str, full_name: str | None, admin: bool) -> None:
    from assistme.core.identity.entities import Role
    from assistme.core.identity.register import RegisterUser, Registration
    from assistme.core.identity.roles import AssignRole
    from assistme.core.shared.errors import DomainError

    async def work(scope: Any) -> str:
        created = await (await scope.get(RegisterUser))(Registration(email, password, full_name))
        if admin:
            await (await scope.get(AssignRole))(created.email or email, Role.ADMIN)
        return f"{created.id} {created.email} {'admin' if admin else 'user'}"

    try:
        click.echo(_in_container(work))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None


@user.command("list")
@click.option("--limit", default=100, show_default=True)
def user_list(limit: int) -> None:
    from assistme.core.identity.ports import UserRepository
    from assistme.core.shared.pagination import PageRequest

    async def work(scope: Any) -> list[str]:
        page = await (await scope.get(UserRepository)).search(None, PageRequest(limit=limit))
        return [
            f"{u.id}  {u.email or '-':40}  {u.role.value:5}  {'active' if u.is_active else 'inactive'}"
            for u in page.items
        ]

    for line in _in_container(work):
        click.echo(line)


@user.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(["user", "admin"]))
def user_set_role(email: str, role: str) -> None:
    from assistme.core.identity.entities import Role
    from assistme.core.identity.roles import AssignRole
    from assistme.core.shared.errors import DomainError

    async def work(scope: Any) -> None:
        await (await scope.get(AssignRole))(email, Role(role))

    try:
        _in_container(work)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"{email} is now {role}")


@main.command()
def routes() -> None:
    """List every HTTP route with its methods."""
    from assistme.app import create_app

    app = create_app(_settings())
    for route in sorted(app.routes, key=lambda r: r.path):
        methods = sorted(getattr(route, "methods", set()) - {"OPTIONS", "HEAD"})
        click.echo(f"{','.join(methods):24} {route.path}")


@main.group()
def keys() -> None:
    """The keyring that encrypts stored third-party tokens (ASSISTME_ENCRYPTION_KEYS, newest first)."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new key: put it first in ASSISTME_ENCRYPTION_KEYS, then run `assistme keys rotate`."""
    from cryptography.fernet import Fernet

    click.echo(Fernet.generate_key().decode())


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored secret (tokens, webhook secrets) under the first key; the old keys can go once
    nothing failed."""
    from assistme.core.integrations.rotation import RotateKeys, Rotation
    from assistme.core.webhooks.keys import ResealWebhookSecrets

    async def work(scope: Any) -> Rotation:
        tokens = await (await scope.get(RotateKeys))()
        webhooks = await (await scope.get(ResealWebhookSecrets))()
        return Rotation(tokens.resealed + webhooks.resealed, tokens.failed + webhooks.failed)

    rotation = _in_container(work)
    click.echo(f"re-encrypted {rotation.resealed}, could not open {rotation.failed}")
    if rotation.failed:
        raise click.ClickException(
            f"{rotation.failed} secrets open under none of the configured keys (or belong to another row); "
            "keep the old keys until they are dealt with"
        )
