"""Baseline (b): FastAPI + SQLAlchemy 2 (async ORM, asyncpg) + pydantic, the stack similar backends use.

Same work as S1/S2 over the same tables: the JWT and the Redis session check as dependencies, a session per
request, the page with a window count and the page's tool ids, an INSERT and a commit, pydantic out.
The engine is configured as assistme's in the bench (the same pool size, no overflow, no pre-ping, 10 s pool
timeout).
`uvicorn --factory bench.baselines.fastapi_sqlalchemy:create_app`
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, FastAPI, Header, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime
from uuid_utils.compat import uuid7

from bench.baselines.common import Denied, load_env, verify

ENV = load_env()


class Base(DeclarativeBase):
    pass


class Assistant(Base):
    __tablename__ = "assistants"

    id: Mapped[UUID] = mapped_column(PgUUID(as_uuid=True), primary_key=True, default=uuid7)
    owner_id: Mapped[UUID] = mapped_column(PgUUID(as_uuid=True))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text)
    assistant_type: Mapped[str] = mapped_column(String(32))
    is_secretary: Mapped[bool] = mapped_column(Boolean)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AssistantTool(Base):
    __tablename__ = "assistant_tools"

    assistant_id: Mapped[UUID] = mapped_column(PgUUID(as_uuid=True), ForeignKey("assistants.id"), primary_key=True)
    tool_id: Mapped[UUID] = mapped_column(PgUUID(as_uuid=True), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class AssistantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    owner_id: UUID
    name: str
    model: str
    instructions: str
    assistant_type: str
    is_secretary: bool
    description: str | None
    tool_ids: list[UUID]
    created_at: datetime
    updated_at: datetime


class PageOut(BaseModel):
    items: list[AssistantOut]
    total: int
    limit: int
    offset: int


class AssistantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    model: str = Field(min_length=1, max_length=200)
    instructions: str = Field("", max_length=32_000)
    assistant_type: Literal["llm", "openai_api"] = "llm"
    is_secretary: bool = False
    description: str | None = Field(None, max_length=2_000)
    tool_ids: list[UUID] = Field(default_factory=list, max_length=50)


engine = create_async_engine(ENV.database_url, pool_size=ENV.pool_size, max_overflow=0, pool_timeout=10)
sessions = async_sessionmaker(engine, expire_on_commit=False)
redis = Redis.from_url(ENV.redis_url, socket_timeout=2, socket_connect_timeout=2)


async def session() -> AsyncIterator[AsyncSession]:
    async with sessions() as s:
        yield s


async def current_user(authorization: Annotated[str | None, Header()] = None) -> UUID:
    try:
        user_id, session_id = verify(ENV, authorization)
    except Denied as exc:
        raise HTTPException(401, str(exc)) from None
    if await redis.exists(ENV.revoked_prefix + str(session_id)):
        raise HTTPException(401, "the session has ended")
    return user_id


Session = Annotated[AsyncSession, Depends(session)]
User = Annotated[UUID, Depends(current_user)]


def _out(row: Assistant, tool_ids: list[UUID]) -> AssistantOut:
    return AssistantOut(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        model=row.model,
        instructions=row.instructions,
        assistant_type=row.assistant_type,
        is_secretary=row.is_secretary,
        description=row.description,
        tool_ids=tool_ids,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def list_assistants(
    db: Session, owner: User, limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Annotated[int, Query(ge=0)] = 0
) -> PageOut:
    stmt = (
        select(Assistant, func.count().over())
        .where(Assistant.owner_id == owner)
        .order_by(Assistant.created_at)
        .limit(limit)
        .offset(offset)
    )
    rows = (await db.execute(stmt)).all()
    ids = [row.id for row, _ in rows]
    tools: dict[UUID, list[UUID]] = {i: [] for i in ids}
    if ids:
        pairs = select(AssistantTool.assistant_id, AssistantTool.tool_id).where(AssistantTool.assistant_id.in_(ids))
        for assistant_id, tool_id in await db.execute(pairs.order_by(AssistantTool.position)):
            tools[assistant_id].append(tool_id)
    return PageOut(
        items=[_out(row, tools[row.id]) for row, _ in rows], total=rows[0][1] if rows else 0, limit=limit, offset=offset
    )


async def create_assistant(data: AssistantIn, db: Session, owner: User) -> AssistantOut:
    now = datetime.now(UTC)
    row = Assistant(
        owner_id=owner,
        name=data.name,
        model=data.model,
        instructions=data.instructions,
        assistant_type=data.assistant_type,
        is_secretary=data.is_secretary,
        description=data.description,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    await db.commit()
    return _out(row, [])


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    yield
    await redis.aclose()
    await engine.dispose()


def create_app() -> FastAPI:
    app = FastAPI(lifespan=lifespan)
    app.add_api_route("/api/v1/assistants", list_assistants, methods=["GET"], response_model=PageOut)
    app.add_api_route(
        "/api/v1/assistants", create_assistant, methods=["POST"], status_code=201, response_model=AssistantOut
    )
    return app
