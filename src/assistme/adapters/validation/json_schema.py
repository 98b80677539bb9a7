"""JSON Schema (draft 2020-12) checks with the jsonschema package."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError

from assistme.core.shared.errors import FieldError

UNKNOWN = "this field cannot be set here"
REQUIRED = "this field is required"
_REQUIRED = re.compile(r"^'(.+)' is a required property$")


class JsonSchemaChecker:
    def problems(self, schema: dict[str, Any]) -> list[str]:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path)
            return [f"{exc.message}" + (f" (at {where})" if where else "")]
        return []

    def violations(self, instance: Any, schema: dict[str, Any]) -> list[FieldError]:
        """Each error at the field it is about, as the API names fields: an unknown or a missing property is
        reported at that property, not at the object holding it."""
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        found: list[FieldError] = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
            found.extend(_located(error))
        return found


def _located(error: ValidationError) -> list[FieldError]:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [FieldError(".".join([*path, name]), UNKNOWN) for name in error.instance if name not in known]
    if error.validator == "required" and (missing := _REQUIRED.match(error.message)):
        return [FieldError(".".join([*path, missing.group(1)]), REQUIRED)]  # one error per missing property
    return [FieldError(".".join(path), error.message[:300])]
