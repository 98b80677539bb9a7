"""Alembic, through advanced-alchemy's command wrapper, pointed at the project's migrations folder."""

from __future__ import annotations

from pathlib import Path

from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.config import AlembicAsyncConfig, SQLAlchemyAsyncConfig

MIGRATIONS = Path(__file__).resolve().parents[4] / "migrations"


def alembic(database_url: str) -> AlembicCommands:
    """Commands for ``database_url``. They run their own event loop: call them from synchronous code."""
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = SQLAlchemyAsyncConfig(
        connection_string=database_url,
        alembic_config=AlembicAsyncConfig(script_location=str(MIGRATIONS), version_table_name="alembic_version"),
    )
    return AlembicCommands(sqlalchemy_config=config)
