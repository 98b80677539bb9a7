"""The address guard: every spelling of a non-global address is refused, names are resolved and every address
they give is checked, and the connection goes to the address that was checked."""

from __future__ import annotations

import pytest

from assistme.adapters.webhooks.guard import AddressGuard
from assistme.core.shared.errors import InvalidInput

NAMES = {
    "hooks.example.com": ["93.184.216.34"],
    "localhost": ["127.0.0.1", "::1"],
    "internal.example.com": ["10.1.2.3"],
    "split.example.com": ["93.184.216.34", "127.0.0.1"],  # one private answer is enough to refuse
    "v6.example.com": ["2606:2800:220:1:248:1893:25c8:1946"],
    "xn--caf-dma.example.com": ["93.184.216.34"],  # café.example.com
}


async def resolve(host: str, _port: int) -> list[str]:
    if host not in NAMES:
        raise OSError("no such host")
    return NAMES[host]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost/hook",
        "http://2130706433/hook",  # decimal
        "http://0177.0.0.1/hook",  # octal
        "http://0x7f.0.0.1/hook",  # hex
        "http://0x7f000001/hook",
        "http://127.1/hook",  # short form
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
        "http://[::ffff:7f00:1]/hook",
        "http://[2002:7f00:1::]/hook",  # 6to4 around loopback
        "http://[::127.0.0.1]/hook",  # IPv4-compatible (deprecated, reserved)
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 around loopback
        "http://[fd12:3456::1]/hook",  # unique local
        "http://[fec0::1]/hook",  # site-local (deprecated)
        "http://[ff02::1]/hook",  # multicast
        "http://017700000001/hook",  # octal, one part
        "http://127.0.0.1.nip.io.internal/hook",  # an unknown name: refused, not sent anywhere
        "http://198.18.0.1/hook",  # benchmarking
        "http://192.0.0.8/hook",  # the IPv4 dummy address: global to Python 3.11's ipaddress, not to IANA
        "http://192.0.0.100/hook",  # IETF protocol assignments
        "http://[3fff::1]/hook",  # IPv6 documentation (RFC 9637)
        "http://[::ffff:192.0.0.8]/hook",
        "http://240.0.0.1/hook",  # reserved
        "http://10.0.0.5/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.1/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://169.254.169.254/latest/meta-data",  # link-local: cloud metadata
        "http://0.0.0.0/hook",
        "http://0/hook",
        "http://[::]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://224.0.0.1/hook",
        "http://255.255.255.255/hook",
        "http://internal.example.com/hook",
        "http://split.example.com/hook",
        "http://nowhere.example.com/hook",
        "ftp://hooks.example.com/hook",
        "javascript:alert(1)",
        "//hooks.example.com/hook",
        "http://user:secret@hooks.example.com/hook",
        "http://hooks.example.com:99999/hook",
        "not a url",
    ],
)
async def test_non_global_and_malformed_targets_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await AddressGuard(resolver=resolve).check(url)
    assert refused.value.errors[0].field == "url"


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://hooks.example.com/hook", "93.184.216.34"),
        ("http://hooks.example.com:8080/hook", "93.184.216.34"),
        ("https://v6.example.com/hook", "2606:2800:220:1:248:1893:25c8:1946"),
        ("http://93.184.216.34/hook", "93.184.216.34"),
    ],
)
async def test_public_targets_are_pinned_to_the_checked_address(url: str, address: str) -> None:
    target, pinned = await AddressGuard(resolver=resolve).pin(url)
    assert pinned == address
    assert target.host in url


async def test_private_addresses_pass_only_when_allowed() -> None:
    await AddressGuard(allow_private=True, resolver=resolve).check("http://127.0.0.1:8080/hook")
    await AddressGuard(allow_private=True, resolver=resolve).check("http://internal.example.com/hook")
    with pytest.raises(InvalidInput):
        await AddressGuard(allow_private=True, resolver=resolve).check("ftp://127.0.0.1/hook")


@pytest.mark.parametrize(
    ("url", "host_header", "target"),
    [
        ("https://hooks.example.com/in", "hooks.example.com", "/in"),
        ("http://hooks.example.com:8080", "hooks.example.com:8080", "/"),
        ("https://hooks.example.com:443/a/b?c=1&d=%2F#frag", "hooks.example.com", "/a/b?c=1&d=%2F"),
        ("http://[2606:2800:220:1:248:1893:25c8:1946]:81/x", "[2606:2800:220:1:248:1893:25c8:1946]:81", "/x"),
        # what is sent is ASCII: the path and query percent-encoded (escapes kept), the name in its IDNA form
        ("https://hooks.example.com/café?q=naïve tea", "hooks.example.com", "/caf%C3%A9?q=na%C3%AFve%20tea"),
        ("https://hooks.example.com/caf%C3%A9/a;b=c", "hooks.example.com", "/caf%C3%A9/a;b=c"),
        ("https://café.example.com/in", "xn--caf-dma.example.com", "/in"),
    ],
)
async def test_the_request_names_the_host_and_path_of_the_url(url: str, host_header: str, target: str) -> None:
    checked, _ = await AddressGuard(resolver=resolve).pin(url)
    assert (checked.host_header, checked.target) == (host_header, target)
