"""/tasks: work handed to an assistant, done by a worker; the answer says how far it got."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from assistme.api.access import SECURED
from assistme.api.conversations.task_schemas import TaskIn, TaskOut
from assistme.api.idempotency import IDEMPOTENT
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.core.conversations.entities import TaskStatus
from assistme.core.conversations.tasks import GetTask, ListTasks, SubmitTask
from assistme.core.identity.principal import Principal
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]
    security = SECURED

    @get(summary="The caller's agent tasks, newest first; `status` filters")
    @inject
    async def list_tasks(
        self,
        principal: FromDishka[Principal],
        tasks: FromDishka[ListTasks],
        status: FromQuery[TaskStatus | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[TaskOut]:
        return PageOut.of(await tasks(principal, status, PageRequest(limit, offset)), TaskOut.of)

    @post(
        status_code=202,
        summary="Hand a task to an assistant (the secretary unless assistant_id is given); a worker runs it",
        responses=responses(409, 422, 429),
        opt=IDEMPOTENT,
    )
    @inject
    async def submit(
        self, data: JSONBody[TaskIn], principal: FromDishka[Principal], submit: FromDishka[SubmitTask]
    ) -> TaskOut:
        return TaskOut.of(await submit(principal, data.to_spec()))

    @get(
        "/{task_id:str}",
        summary="A task: pending, processing, completed with result, or failed with error",
        responses=responses(404),
    )
    @inject
    async def show(
        self, task_id: FromPath[str], principal: FromDishka[Principal], show: FromDishka[GetTask]
    ) -> TaskOut:
        return TaskOut.of(await show(principal, parse_id(task_id, "task")))
