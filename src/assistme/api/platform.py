"""Liveness, readiness and the docs page."""

from __future__ import annotations

from pathlib import Path

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.openapi import ResponseSpec
from litestar.response import File, Redirect

from assistme.api.openapi import SCALAR_FILE, SCALAR_ROUTE
from assistme.core.shared.readiness import CheckReadiness

NO_LIMIT = {"rate_limit": None}


class Health(msgspec.Struct):
    status: str


class ReadinessOut(msgspec.Struct):
    status: str
    checks: dict[str, str]


class PlatformController(Controller):
    tags = ["platform"]
    include_in_schema = True

    @get("/api/v1/health", summary="Liveness: answers without touching any dependency", opt=NO_LIMIT)
    async def health(self) -> Health:
        return Health("ok")

    @get(
        "/api/v1/ready",
        summary="Readiness: the database and, when configured, Redis answer",
        opt=NO_LIMIT,
        responses={503: ResponseSpec(data_container=ReadinessOut, description="A dependency failed: it is named")},
    )
    @inject
    async def ready(self, check: FromDishka[CheckReadiness]) -> Response[ReadinessOut]:
        result = await check()
        status = "ready" if result.ready else "unavailable"
        return Response(ReadinessOut(status, result.checks), status_code=200 if result.ready else 503)

    @get("/docs", summary="The API reference (Scalar)", include_in_schema=False, opt=NO_LIMIT)
    async def docs(self) -> Redirect:
        return Redirect("/schema/scalar")


def scalar_bundle(static_dir: str) -> type[Controller]:
    """Serves the Scalar bundle that `make` installs from npm."""
    bundle = Path(static_dir) / SCALAR_FILE

    class ScalarBundle(Controller):
        @get(SCALAR_ROUTE, include_in_schema=False, opt=NO_LIMIT, cache_control=CacheControlHeader(max_age=86400))
        async def scalar_js(self) -> File:
            if not bundle.is_file():  # not installed: the docs page loads Scalar from its CDN instead
                raise NotFoundException("the Scalar bundle is not installed")
            return File(bundle, content_disposition_type="inline", media_type="text/javascript")

    return ScalarBundle
