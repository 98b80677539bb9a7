"""Alembic environment: runs on the engine advanced-alchemy's command config carries."""

from __future__ import annotations

import asyncio
from typing import Any

from advanced_alchemy.base import metadata_registry
from alembic import context
from sqlalchemy.engine import Connection

import assistme.adapters.persistence.models  # noqa: F401  (registers every table on the metadata)

config: Any = context.config


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=metadata_registry.get(config.bind_key),
        version_table=config.version_table_name,
        version_table_pk=config.version_table_pk,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=False,  # GUID reads back as NUMERIC on SQLite: a type diff there is noise
        user_module_prefix=None,
        **kwargs,
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    async with config.engine.connect() as connection:
        await connection.run_sync(_run)
    await config.engine.dispose()


if context.is_offline_mode():
    _configure(url=config.db_url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
