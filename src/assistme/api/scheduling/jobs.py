"""Jobs: /cron-jobs, their runs, their coming fire times, and running one now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from assistme.api.access import SECURED
from assistme.api.idempotency import IDEMPOTENT
from assistme.api.ids import parse_id
from assistme.api.openapi import responses
from assistme.api.pagination import Limit, Offset, PageOut
from assistme.api.scheduling.schemas import JobIn, JobOut, JobPatch, NextRunsOut, RunOut
from assistme.core.identity.principal import Principal
from assistme.core.scheduling.jobs import CreateJob, DeleteJob, GetJob, ListJobs, UpdateJob
from assistme.core.scheduling.runs import MAX_PREVIEW, ListRuns, PreviewRuns, RunJobNow
from assistme.core.shared.pagination import DEFAULT_LIMIT, PageRequest

Count = Annotated[int, QueryParameter(description=f"How many fire times, 1 to {MAX_PREVIEW}")]
From = Annotated[
    datetime | None, QueryParameter(name="from", description="Count from this instant (with an offset); now if absent")
]


class JobController(Controller):
    path = "/api/v1/cron-jobs"
    tags = ["scheduling"]
    security = SECURED

    @get(summary="The caller's jobs")
    @inject
    async def list_jobs(
        self,
        principal: FromDishka[Principal],
        list_jobs: FromDishka[ListJobs],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[JobOut]:
        return PageOut.of(await list_jobs(principal, PageRequest(limit, offset)), JobOut.of)

    @post(status_code=201, summary="Create a cron or one-off job", responses=responses(409, 422), opt=IDEMPOTENT)
    @inject
    async def create(
        self, data: JSONBody[JobIn], principal: FromDishka[Principal], create: FromDishka[CreateJob]
    ) -> JobOut:
        return JobOut.of(await create(principal, data.to_spec()))

    @get("/{job_id:str}", summary="One job", responses=responses(404))
    @inject
    async def get_job(
        self, job_id: FromPath[str], principal: FromDishka[Principal], get_one: FromDishka[GetJob]
    ) -> JobOut:
        return JobOut.of(await get_one(principal, parse_id(job_id, "job")))

    @patch("/{job_id:str}", summary="Change a job; its next run is counted again", responses=responses(404, 422))
    @inject
    async def update(
        self,
        job_id: FromPath[str],
        data: JSONBody[JobPatch],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateJob],
    ) -> JobOut:
        return JobOut.of(await update(principal, parse_id(job_id, "job"), data.to_changes()))

    @put("/{job_id:str}", summary="Replace a job", responses=responses(404, 422))
    @inject
    async def replace(
        self,
        job_id: FromPath[str],
        data: JSONBody[JobIn],
        principal: FromDishka[Principal],
        update: FromDishka[UpdateJob],
    ) -> JobOut:
        return JobOut.of(await update(principal, parse_id(job_id, "job"), data.to_spec()))

    @delete("/{job_id:str}", summary="Delete a job and its history; no further run starts", responses=responses(404))
    @inject
    async def remove(
        self, job_id: FromPath[str], principal: FromDishka[Principal], remove: FromDishka[DeleteJob]
    ) -> None:
        await remove(principal, parse_id(job_id, "job"))

    @get("/{job_id:str}/runs", summary="The job's runs, newest occurrence first", responses=responses(404))
    @inject
    async def runs(
        self,
        job_id: FromPath[str],
        principal: FromDishka[Principal],
        list_runs: FromDishka[ListRuns],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageOut[RunOut]:
        return PageOut.of(await list_runs(principal, parse_id(job_id, "job"), PageRequest(limit, offset)), RunOut.of)

    @get("/{job_id:str}/next-runs", summary="The next fire times, as UTC instants", responses=responses(404, 422))
    @inject
    async def next_runs(
        self,
        job_id: FromPath[str],
        principal: FromDishka[Principal],
        preview: FromDishka[PreviewRuns],
        n: Count = 5,
        start: From = None,
    ) -> NextRunsOut:
        return NextRunsOut(await preview(principal, parse_id(job_id, "job"), n, start))

    @post("/{job_id:str}/run", status_code=202, summary="Run the job now (a manual run)", responses=responses(404))
    @inject
    async def run_now(
        self, job_id: FromPath[str], principal: FromDishka[Principal], run: FromDishka[RunJobNow]
    ) -> RunOut:
        return RunOut.of(await run(principal, parse_id(job_id, "job")))
