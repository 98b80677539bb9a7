"""The address guard against SSRF: a webhook reaches only global addresses, checked when the URL is saved and
again, after resolving, right before each delivery connects (to exactly the address that was checked).

A host is read the way the network stack would read it: ``2130706433``, ``0177.0.0.1``, ``0x7f.1`` and ``127.1``
are all 127.0.0.1 to ``inet_aton``, and ``[::ffff:127.0.0.1]`` is that address too. Every one is refused.

What is checked is what is sent: the host in its ASCII (IDNA) form and the path and query percent-encoded, so a
URL such as ``https://hooks.example.com/café`` is accepted only as a request that can actually be made.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

from assistme.core.shared.errors import InvalidInput

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Not globally reachable by the IANA special-purpose registries, yet global to Python 3.11's ``ipaddress`` (3.12.4
# and later list them): IETF protocol assignments such as 192.0.0.8, the IPv4 dummy address, and the IPv6
# documentation range of RFC 9637.
NOT_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"), ipaddress.ip_network("3fff::/20"))
# What a request-target may carry as it is (RFC 3986 sub-delims, ":", "@", "/", "?", and "%" of an escape);
# quote() encodes the rest, non-ASCII as UTF-8.
TARGET_SAFE = "!$&'()*+,;=:@/?%"


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def literal(host: str) -> IpAddress | None:
    """``host`` as an address when it is written as one, in any form the resolver would accept."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))  # decimal, octal, hex and short forms
    except OSError:
        return None


def is_public(address: IpAddress) -> bool:
    """Global unicast only. An IPv6 address that carries an IPv4 one (mapped, 6to4) is judged by that one; the
    rest of ``::/8`` (IPv4-compatible, NAT64) is reserved, so ``[::127.0.0.1]`` is refused too."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public(embedded)
        if address.is_site_local:
            return False
    if any(address in network for network in NOT_GLOBAL):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def refuse(why: str) -> InvalidInput:
    return InvalidInput.field("url", why)


class Target:
    """A URL taken apart: the host as written, and the port the connection goes to."""

    def __init__(self, url: str) -> None:
        if len(url) > 2000:
            raise refuse("must be at most 2000 characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise refuse("is not a valid URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise refuse("must be an http or https URL with a host")
        if parts.username or parts.password:
            raise refuse("must not carry credentials")
        if not parts.hostname.isprintable() or any(c.isspace() for c in parts.hostname):
            raise refuse("has a host that is not a name or an address")
        try:
            host = parts.hostname.encode("idna").decode("ascii")  # the name DNS, TLS and the Host header know
        except UnicodeError:
            raise refuse("has a host that is not a name or an address") from None
        self.scheme = parts.scheme
        self.host = host
        self.port = port or (443 if parts.scheme == "https" else 80)
        query = f"?{parts.query}" if parts.query else ""
        self.target = quote((parts.path or "/") + query, safe=TARGET_SAFE)  # the request-target, in ASCII

    @property
    def host_header(self) -> str:
        """The Host header the URL implies: the connection goes to an address, the request names the host."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


class AddressGuard:
    def __init__(self, *, allow_private: bool = False, resolver: Resolver = system_resolver) -> None:
        self._allow_private = allow_private
        self._resolve = resolver

    async def check(self, url: str) -> None:
        await self.pin(url)

    async def pin(self, url: str) -> tuple[Target, str]:
        """The URL's target and the one address to connect to, every address of the host having been checked."""
        target = Target(url)
        address = literal(target.host)
        if address is not None:
            addresses = [str(address)]
        else:
            try:
                addresses = await self._resolve(target.host, target.port)
            except (OSError, UnicodeError):
                raise refuse(f"the host {target.host} does not resolve") from None
            if not addresses:
                raise refuse(f"the host {target.host} does not resolve")
        if not self._allow_private:
            for found in addresses:
                parsed = literal(found.split("%")[0])
                if parsed is None or not is_public(parsed):
                    raise refuse("must point at a public address, not a private, loopback or link-local one")
        return target, addresses[0]
