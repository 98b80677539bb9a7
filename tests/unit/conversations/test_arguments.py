"""Tool arguments read defensively, and what is stored of them: secrets masked, however the model sent them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from assistme.core.conversations.arguments import ToolFailed, instant, mapping, number, required_text
from assistme.core.conversations.redaction import redact, redact_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2030-01-01t10:00:00z", datetime(2030, 1, 1, 10, tzinfo=UTC)),
        ("2030-01-01T10:00:00Z", datetime(2030, 1, 1, 10, tzinfo=UTC)),
        ("2030-01-01T10:00:00.5+02:00", datetime(2030, 1, 1, 10, 0, 0, 500_000, timezone(timedelta(hours=2)))),
    ],
)
def test_rfc_3339_times_are_read_in_either_case(raw: str, expected: datetime) -> None:
    assert instant({"run_at": raw}, "run_at") == expected


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({}, "run_at: this field is required"),
        ({"run_at": 1893492000}, "run_at: must be a string"),
        ({"run_at": "2030-01-01T10:00:00"}, "run_at needs a UTC offset (Z or like +01:00)"),
        ({"run_at": "tomorrow at nine"}, "run_at: not a date-time like 2030-01-01T09:00:00+01:00"),
        ({"run_at": "2030-13-01T10:00:00Z"}, "run_at: 2030-13-01T10:00:00Z is not a date-time that exists"),
    ],
)
def test_a_bad_time_is_an_error_the_model_reads(arguments: dict[str, Any], error: str) -> None:
    with pytest.raises(ToolFailed) as failed:
        instant(arguments, "run_at")
    assert failed.value.message == error


def test_values_of_the_wrong_type_are_errors_not_crashes() -> None:
    for read, name, value in ((required_text, "message", ["hi"]), (number, "lat", "52.5"), (mapping, "params", [])):
        with pytest.raises(ToolFailed, match=name):
            read({name: value}, name)
    with pytest.raises(ToolFailed, match="lat: must be a number"):
        number({"lat": True}, "lat")


def test_secrets_are_masked_at_any_depth() -> None:
    stored = redact({"to": ["a@example.com"], "Authorization": "Bearer x", "nested": [{"api_key": "k", "n": 1}]})
    assert stored == {"to": ["a@example.com"], "Authorization": "***", "nested": [{"api_key": "***", "n": 1}]}


def test_keys_are_read_as_words_so_counts_and_secretaries_stay() -> None:
    shown = {"max_tokens": 5, "tokens": 9, "secretary_id": "s", "author": "ann", "sort_key": "k"}
    hidden = ["access_token", "refreshToken", "id_token", "X-Api-Key", "APIKey", "client_secret", "new_password"]
    assert redact(shown | dict.fromkeys(hidden, "x")) == shown | dict.fromkeys(hidden, "***")


def test_arguments_that_are_not_json_are_kept_masked_and_cut() -> None:
    raw = """{"api_token": "s3cret", "message": "hi", password=hunter2, 'refresh_token': 'abc"""
    assert redact_text(raw) == """{"api_token": "***", "message": "hi", password="***", 'refresh_token': "***\""""
    assert len(redact_text("x" * 5000)) == 2000
