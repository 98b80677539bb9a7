"""Secrets out of stored tool calls: whatever the model or a tool put under a secret-sounding key."""

from __future__ import annotations

import re
from typing import Any

SECRET_KEY = re.compile(r"token|secret|password|passwd|api[_-]?key|authorization|cookie|credential", re.IGNORECASE)
MASK = "***"


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: MASK if isinstance(k, str) and SECRET_KEY.search(k) else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value
