"""JSON Schema (draft 2020-12) checks with the jsonschema package."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


class JsonSchemaChecker:
    def problems(self, schema: dict[str, Any]) -> list[str]:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            return [f"{exc.message}" + (f" (at {where})" if where else "")]
        return []
