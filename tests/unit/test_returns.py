"""The return-address allow-list: exact origin, whole path segments, nothing a browser would resolve elsewhere."""

from __future__ import annotations

import pytest

from assistme.core.shared.errors import InvalidInput
from assistme.core.shared.returns import AllowedReturn, check_return_url

ALLOWED = (AllowedReturn.parse("https://app.example.com/settings"), AllowedReturn.parse("http://127.0.0.1:3000"))


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example.com/settings",
        "https://app.example.com/settings/",
        "https://app.example.com/settings/integrations?tab=google#top",
        "https://APP.example.com/settings",
        "http://127.0.0.1:3000/anything",
        "http://127.0.0.1:3000",
    ],
)
def test_allowed_addresses_pass_unchanged(url: str) -> None:
    assert check_return_url(url, ALLOWED) == url


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example/settings",
        "/settings",
        "javascript:alert(1)//https://app.example.com/settings",
        "https://app.example.com.evil.net/settings",
        "https://app.example.com@evil.net/settings",
        "https://evil.net\\@app.example.com/settings",
        "https://app.example.com/settingsevil",
        "https://app.example.com/other",
        "https://app.example.com/settings/../admin",
        "https://app.example.com/settings/%2e%2e/admin",
        "http://app.example.com/settings",
        "https://app.example.com:444/settings",
        "http://127.0.0.1:3001/",
        "https://app.example.com/settings\r\nLocation: https://evil.net",
        "data:text/html,<script>alert(1)</script>",
        "https://app.example.com:99999/settings",
        "",
    ],
)
def test_everything_else_is_refused_naming_the_field(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_return_url(url, ALLOWED)
    assert refused.value.errors[0].field == "return_url"


def test_an_empty_allow_list_admits_nothing() -> None:
    with pytest.raises(InvalidInput):
        check_return_url("https://app.example.com/settings", ())


@pytest.mark.parametrize(
    "entry", ["app.example.com/settings", "ftp://x.example", "https://u:p@x.example", "https://x/?a=1"]
)
def test_malformed_allow_list_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError, match=r"must|is not"):
        AllowedReturn.parse(entry)
