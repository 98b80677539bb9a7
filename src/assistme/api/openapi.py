"""OpenAPI 3.1: the bearer scheme, documented error answers, and Scalar served without a CDN."""

from __future__ import annotations

import html
import json
from http import HTTPStatus
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import msgspec
from litestar import Request
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.constants import RESERVED_KWARGS
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, Schema, SecurityScheme
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from litestar.typing import FieldDefinition
from msgspec import UNSET, UnsetType

from assistme.api.access import BEARER, RATE_LIMIT

SCALAR_ROUTE = "/docs/scalar.js"
TOKEN_ROUTE = "/api/v1/auth/token"  # noqa: S105 (a route, not a secret)
SCALAR_FILE = "scalar/standalone.js"
SCALAR_CDN = "https://cdn.jsdelivr.net/npm/@scalar/api-reference"


class FieldProblem(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem: type, title, status, detail, and errors for invalid input."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | UnsetType = UNSET


def responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Document the error answers a route gives, each as problem+json."""
    return {
        s: ResponseSpec(
            data_container=Problem,
            description=HTTPStatus(s).phrase,
            media_type="application/problem+json",
            generate_examples=False,  # random strings would only mislead a reader
        )
        for s in statuses
    }


class PlatformErrors(ReceiveRoutePlugin):
    """Documents on every route what the platform itself may answer, so a controller lists only its own errors.

    Input: 400 (malformed, replacing Litestar's own entry, which is not the shape we send), 413 for a body,
    422. A bearer scheme: 401, and 503 when the session store is down. A rate limit: 429.
    """

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            params = handler.parsed_fn_signature.parameters
            statuses = []
            if "data" in params or any(name not in RESERVED_KWARGS for name in params):
                statuses += [400, 422]
            if "data" in params:
                statuses.append(413)
            if handler.resolve_security():
                statuses += [401, 503]
            if handler.opt.get(RATE_LIMIT, "default") is not None:
                statuses.append(429)
            handler.responses = {**responses(*statuses), **(handler.responses or {})}


class StrictBodies(StructSchemaPlugin):
    """msgspec Structs documented as msgspec decodes them. Litestar's own plugin leaves out two of msgspec's rules:
    a Struct that forbids unknown fields gets ``additionalProperties: false``, and the constraints on a list's items
    (``list[Annotated[str, Meta(min_length=1)]]``) reach the items' schema, so a client (or schemathesis) knows
    what will be refused."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        if struct.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        hints = get_type_hints(struct, include_extras=True)
        for field in msgspec.structs.fields(struct):
            meta = _item_meta(hints[field.name])
            prop = (schema.properties or {}).get(field.encode_name)
            if meta is not None and isinstance(prop, Schema):
                for array in (prop, *(prop.one_of or ())):
                    if isinstance(array, Schema) and isinstance(array.items, Schema):
                        _constrain(array.items, meta)
        return schema


def _item_meta(annotation: Any) -> msgspec.Meta | None:
    """The ``msgspec.Meta`` on the items of a list field, through ``Annotated``, ``| None`` and ``| UnsetType``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, UnionType):
        lists = [arg for arg in get_args(annotation) if arg not in (NoneType, UnsetType)]
        return _item_meta(lists[0]) if len(lists) == 1 else None
    if get_origin(annotation) is not list:
        return None
    item = get_args(annotation)[0]
    if get_origin(item) is not Annotated:
        return None
    return next((m for m in get_args(item)[1:] if isinstance(m, msgspec.Meta)), None)


_META_TO_SCHEMA = {
    "min_length": "min_length",
    "max_length": "max_length",
    "pattern": "pattern",
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusive_minimum",
    "lt": "exclusive_maximum",
}


def _constrain(schema: Schema, meta: msgspec.Meta) -> None:
    for rule, key in _META_TO_SCHEMA.items():
        if (value := getattr(meta, rule)) is not None:
            setattr(schema, key, value)


class LocalScalar(ScalarRenderPlugin):
    """Scalar from the app itself when the bundle is installed, so /docs works with no internet access."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        # Our own page: the parent's links a stylesheet from a CDN, which an air-gapped browser cannot load.
        title = html.escape(openapi_schema["info"]["title"])
        spec = html.escape(self.get_openapi_json_route(request))
        # Served locally, Scalar must not fetch its fonts from fonts.scalar.com either.
        options = html.escape(json.dumps({"withDefaultFonts": self.js_url == SCALAR_CDN}))
        return f"""<!DOCTYPE html>
<html><head><title>{title}</title><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script id="api-reference" data-url="{spec}" data-configuration="{options}"></script>
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
