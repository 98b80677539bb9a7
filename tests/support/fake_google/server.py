"""A fake Google on 127.0.0.1: OAuth 2.0 and OpenID Connect, Gmail v1 and Calendar v3 at Google's own paths and in
their wire formats, from one server.

It serves from its own thread and event loop (as the fake Telegram does), so it keeps answering while a test's loop
is busy. State is guarded by one lock; ``reset()`` puts everything but the signing key back as it started.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.fake_google.calendar import CalendarServer
from tests.support.fake_google.gmail import GmailServer
from tests.support.fake_google.oauth import OAuthServer
from tests.support.fake_google.openid import OpenIdServer
from tests.support.fake_google.wire import Answer, Request, google_error, parse
from tests.support.loopback_server import LoopbackServer, Receive, Send, read_body

REALM = 'Bearer realm="https://accounts.google.com/"'


@dataclass(frozen=True, slots=True)
class Mishap:
    """What happens to one API request: answered ``status`` instead (after carrying it out when ``after``), or
    carried out and answered only after ``delay`` seconds."""

    status: int | None = None
    retry_after: int | None = None
    after: bool = False
    delay: float = 0.0


class FakeGoogle(LoopbackServer, OAuthServer, OpenIdServer, GmailServer, CalendarServer):
    """``with FakeGoogle() as google:`` then point the adapters at ``google.base_url``."""

    label = "the fake Google"

    def __init__(
        self, client_id: str = "fake-client-id.apps.googleusercontent.com", client_secret: str = "fake-client-secret"
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self._lock = threading.RLock()
        self.reset()
        super().__init__()

    def reset(self) -> None:
        """Forget every token, message, event, recorded request and knob setting."""
        with self._lock:
            self._reset_oauth()
            self._reset_openid()
            self._reset_gmail()
            self._reset_calendar()
            self.api_requests: list[tuple[str, str]] = []
            self._mishaps: list[Mishap] = []

    def fail_api_next(self, count: int, status: int, retry_after: int | None = None, *, after: bool = False) -> None:
        """The next ``count`` Gmail or Calendar requests answer ``status`` in Google's error format; ``after``: once
        carried out, as when Google's front end gives up on a backend that went on to finish."""
        with self._lock:
            self._mishaps.extend([Mishap(status, retry_after, after)] * count)

    def delay_api_next(self, count: int, seconds: float) -> None:
        """The next ``count`` Gmail or Calendar requests are carried out, then answered ``seconds`` late."""
        with self._lock:
            self._mishaps.extend([Mishap(delay=seconds)] * count)

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        request = parse(scope, body)
        if request.segments == ("token",) and self.token_delay:
            await asyncio.sleep(self.token_delay)
        with self._lock:
            reply = self._route(request)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        headers = [(b"content-length", str(len(reply.body)).encode())]
        headers += [(b"content-type", reply.content_type.encode())] if reply.content_type else []
        headers += [(name.encode(), value.encode()) for name, value in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": reply.body})

    def _route(self, request: Request) -> Answer:
        method, path = request.method, request.path
        endpoints: dict[tuple[str, str], Callable[[Request], Answer]] = {
            ("GET", "/o/oauth2/v2/auth"): self._authorize,
            ("POST", "/token"): self._token,
            ("POST", "/revoke"): self._revoke,
            ("GET", "/.well-known/openid-configuration"): self._discovery,
            ("GET", "/oauth2/v3/certs"): self._certs,
            ("GET", "/v1/userinfo"): self._userinfo,
        }
        if (endpoint := endpoints.get((method, path))) is not None:
            return endpoint(request)
        api = request.segments[:2]
        if api not in (("gmail", "v1"), ("calendar", "v3")):
            return google_error(404, "Not Found")
        self.api_requests.append((method, path))
        mishap = self._mishaps.pop(0) if self._mishaps else Mishap()
        if mishap.status is None:
            served = self._serve(request)
            served.delay = mishap.delay
            return served
        if mishap.after:
            self._serve(request)
        failure = google_error(mishap.status, f"fake failure {mishap.status}")
        failure.headers |= {"retry-after": str(mishap.retry_after)} if mishap.retry_after is not None else {}
        return failure

    def _serve(self, request: Request) -> Answer:
        return self._gmail(request) if request.segments[0] == "gmail" else self._calendar_api(request)

    def _gate(self, request: Request, accepted: frozenset[str]) -> Answer | None:
        """None when the bearer token is live and carries one of the ``accepted`` scopes; Google's 401 or 403."""
        grant = self.access_alive(request.bearer())
        if grant is None:
            failure = google_error(401, "Request had invalid authentication credentials.", "authError")
            failure.headers["www-authenticate"] = f'{REALM}, error="invalid_token"'
            return failure
        if not accepted & set(grant.scopes):
            reason = {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
            }
            message = "Request had insufficient authentication scopes."
            failure = google_error(403, message, "insufficientPermissions", details=[reason])
            # Google names every scope that would have done, space separated
            scopes = " ".join(sorted(accepted))
            failure.headers["www-authenticate"] = f'{REALM}, error="insufficient_scope", scope="{scopes}"'
            return failure
        return None
