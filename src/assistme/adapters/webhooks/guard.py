"""The address guard against SSRF: a webhook reaches only global addresses, checked when the URL is saved and
again, after resolving, right before each delivery connects (to exactly the address that was checked).

A host is read the way the network stack would read it: ``2130706433``, ``0177.0.0.1``, ``0x7f.1`` and ``127.1``
are all 127.0.0.1 to ``inet_aton``, and ``[::ffff:127.0.0.1]`` is that address too. Every one is refused.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from assistme.core.shared.errors import InvalidInput

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


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
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = port or (443 if parts.scheme == "https" else 80)
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")  # the request-target

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
