"""OpenAPI 3.1: the bearer scheme, documented error answers, and Scalar served without a CDN."""

from __future__ import annotations

import html
from http import HTTPStatus
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme

from assistme.api.access import BEARER

SCALAR_ROUTE = "/docs/scalar.js"
TOKEN_ROUTE = "/api/v1/auth/token"  # noqa: S105 (a route, not a secret)
SCALAR_FILE = "scalar/standalone.js"
SCALAR_CDN = "https://cdn.jsdelivr.net/npm/@scalar/api-reference"


class Problem(dict[str, Any]):
    """An RFC 9457 problem: type, title, status, detail, and errors for invalid input."""


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Document the error answers a route gives, each as problem+json."""
    return {
        s: ResponseSpec(data_container=Problem, description=HTTPStatus(s).phrase, media_type="application/problem+json")
        for s in statuses
    }


class LocalScalar(ScalarRenderPlugin):
    """Scalar from the app itself when the bundle is installed, so /docs works with no internet access."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        # Our own page: the parent's links a stylesheet from a CDN, which an air-gapped browser cannot load.
        title = html.escape(openapi_schema["info"]["title"])
        spec = html.escape(self.get_openapi_json_route(request))
        return f"""<!DOCTYPE html>
<html><head><title>{title}</title><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script id="api-reference" data-url="{spec}"></script>
<script src="{html.escape(self.js_url)}"></script></body></html>""".encode()


def openapi_config(static_dir: str, version: str) -> OpenAPIConfig:
    local = (Path(static_dir) / SCALAR_FILE).is_file()
    scalar = LocalScalar(path="/scalar", js_url=SCALAR_ROUTE if local else SCALAR_CDN)
    return OpenAPIConfig(
        title="assistme",
        version=version,
        description="The backend a personal assistant runs on.",
        path="/schema",
        render_plugins=[scalar],
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT or API key",
                    description="An access token from /api/v1/auth/login, or an API key",
                ),
                "PasswordForm": SecurityScheme(
                    type="oauth2",
                    flows=OAuthFlows(password=OAuthFlow(token_url=TOKEN_ROUTE, scopes={})),
                    description="Sign in on the docs page",
                ),
            }
        ),
    )
