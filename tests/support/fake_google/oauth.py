"""Google's authorization server: consent (granted at once, or denied on request; with
``include_granted_scopes=true`` added to the person's live grant, as Google's incremental authorization does), the
token endpoint (codes with PKCE, refresh tokens, optional rotation) and revocation, which ends the whole grant."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.support.fake_google.wire import Answer, Request, answer, oauth_error, redirect, text

DEFAULT_IDENTITY = {"sub": "1000001", "email": "ann@example.com", "email_verified": True, "name": "Ann"}
BAD_GRANT = "Token has been expired or revoked."


@dataclass(slots=True)
class Grant:
    scopes: list[str]
    identity: dict[str, Any]
    nonce: str | None = None
    refresh_token: str | None = None
    alive: bool = True


@dataclass(slots=True)
class Code:
    grant: Grant
    redirect_uri: str
    challenge: str


@dataclass(slots=True)
class Access:
    grant: Grant
    expires_at: float


@dataclass(slots=True)
class Failure:
    status: int
    error: str


@dataclass(slots=True)
class OAuthState:
    codes: dict[str, Code] = field(default_factory=dict)
    refresh: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, Access] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    deny: int = 0


class OAuthServer:
    """Mixed into FakeGoogle, which sets ``client_id`` and ``client_secret`` and calls ``_reset_oauth``."""

    client_id: str
    client_secret: str
    _lock: threading.RLock
    _id_token: Callable[[Grant], str]

    def _reset_oauth(self) -> None:
        self.identity: dict[str, Any] = dict(DEFAULT_IDENTITY)
        self.grant_scopes: list[str] | None = None
        self.expires_in = 3599
        self.rotate_refresh_tokens = False
        self.token_delay = 0.0
        self.authorizations: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.revoked: list[str] = []
        self._oauth = OAuthState()

    # knobs

    @property
    def refreshes(self) -> int:
        return sum(1 for form in self.token_requests if form.get("grant_type") == "refresh_token")

    def deny_next(self) -> None:
        """The next consent redirects back with ``error=access_denied``, as when the user clicks Cancel."""
        with self._lock:
            self._oauth.deny += 1

    def fail_token_next(self, count: int, status: int, error: str = "server_error") -> None:
        with self._lock:
            self._oauth.failures.extend([Failure(status, error)] * count)

    def revoke_grants(self) -> None:
        """Every grant dies, as when the user removes the app at myaccount.google.com."""
        with self._lock:
            for grant in self._grants():
                grant.alive = False

    def expire_access_tokens(self) -> None:
        with self._lock:
            for access in self._oauth.access.values():
                access.expires_at = 0.0

    def issue_tokens(self, scopes: list[str] | tuple[str, ...]) -> tuple[str, str]:
        """A live access token and refresh token for ``scopes``, without the consent round trip."""
        with self._lock:
            grant = Grant(list(scopes), dict(self.identity))
            access = self._new_access(grant)
            return access, self._new_refresh(grant)

    def issued_tokens(self) -> list[str]:
        """Every access and refresh token handed out since the last reset."""
        with self._lock:
            return list(self._oauth.issued)

    def access_alive(self, token: str | None) -> Grant | None:
        access = self._oauth.access.get(token or "")
        if access is None or not access.grant.alive or access.expires_at <= time.monotonic():
            return None
        return access.grant

    # endpoints

    def _authorize(self, request: Request) -> Answer:
        query = {key: values[0] for key, values in request.query.items()}
        self.authorizations.append(query)
        problem = self._authorization_problem(query)
        if problem:
            return text(400, f"<h1>Error 400: invalid_request</h1><p>{problem}</p>")
        state = {"state": query["state"]}
        if self._oauth.deny:
            self._oauth.deny -= 1
            return redirect(_with_query(query["redirect_uri"], {"error": "access_denied", **state}))
        scopes = self.grant_scopes if self.grant_scopes is not None else query["scope"].split()
        grant = self._joined(scopes) if query.get("include_granted_scopes") == "true" else None
        grant = grant or Grant(list(scopes), dict(self.identity), nonce=query.get("nonce"))
        code = "4/0Afake-" + secrets.token_urlsafe(24)
        self._oauth.codes[code] = Code(grant, query["redirect_uri"], query["code_challenge"])
        return redirect(_with_query(query["redirect_uri"], {"code": code, **state}))

    def _joined(self, scopes: list[str]) -> Grant | None:
        """The person's live grant with ``scopes`` added: its tokens, old and new, carry them all."""
        grant = next((g for g in self._grants() if g.alive and g.identity["sub"] == self.identity["sub"]), None)
        if grant is not None:
            grant.scopes += [scope for scope in scopes if scope not in grant.scopes]
        return grant

    def _authorization_problem(self, query: dict[str, str]) -> str | None:
        if query.get("client_id") != self.client_id:
            return "The OAuth client was not found."
        for name in ("redirect_uri", "scope", "state", "code_challenge"):
            if not query.get(name):
                return f"Missing required parameter: {name}"
        if query.get("response_type") != "code":
            return "Unsupported response_type"
        if query.get("code_challenge_method") != "S256":
            return "Invalid code_challenge_method"
        return None

    def _token(self, request: Request) -> Answer:
        form = request.form()
        self.token_requests.append(form)
        if self._oauth.failures:
            failure = self._oauth.failures.pop(0)
            return oauth_error(failure.status, failure.error)
        given = request.basic() or (form.get("client_id", ""), form.get("client_secret", ""))
        if not (given[0] == self.client_id and hmac.compare_digest(given[1].encode(), self.client_secret.encode())):
            return oauth_error(401, "invalid_client", "Unauthorized")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._redeem(form)
        if grant_type == "refresh_token":
            return self._refresh(form)
        return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _redeem(self, form: dict[str, str]) -> Answer:
        code = self._oauth.codes.pop(form.get("code", ""), None)  # single use, even when the rest is wrong
        verifier = form.get("code_verifier", "")
        if code is None or form.get("redirect_uri") != code.redirect_uri or _s256(verifier) != code.challenge:
            return oauth_error(400, "invalid_grant", "Bad Request")
        body = self._token_body(code.grant)
        return answer(200, body | {"refresh_token": self._new_refresh(code.grant)}, _NO_STORE)

    def _refresh(self, form: dict[str, str]) -> Answer:
        old = form.get("refresh_token", "")
        grant = self._oauth.refresh.get(old)
        if grant is None or not grant.alive:
            return oauth_error(400, "invalid_grant", BAD_GRANT)
        body = self._token_body(grant)
        if self.rotate_refresh_tokens:
            del self._oauth.refresh[old]
            body["refresh_token"] = self._new_refresh(grant)
        return answer(200, body, _NO_STORE)

    def _revoke(self, request: Request) -> Answer:
        token = request.form().get("token") or request.arg("token") or ""
        access = self._oauth.access.get(token)
        grant = self._oauth.refresh.get(token) or (access.grant if access else None)
        if grant is None or not grant.alive:
            return oauth_error(400, "invalid_token", "Token expired or revoked")
        grant.alive = False
        self.revoked.append(token)
        return answer(200, {})

    def _grants(self) -> list[Grant]:
        return [*self._oauth.refresh.values(), *(a.grant for a in self._oauth.access.values())]

    def _new_access(self, grant: Grant) -> str:
        token = "ya29.fake-" + secrets.token_urlsafe(32)
        self._oauth.access[token] = Access(grant, time.monotonic() + self.expires_in)
        self._oauth.issued.append(token)
        return token

    def _new_refresh(self, grant: Grant) -> str:
        token = "1//fake-" + secrets.token_urlsafe(32)
        grant.refresh_token = token
        self._oauth.refresh[token] = grant
        self._oauth.issued.append(token)
        return token

    def _token_body(self, grant: Grant) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self._new_access(grant),
            "expires_in": self.expires_in,
            "scope": " ".join(grant.scopes),
            "token_type": "Bearer",
        }
        if "openid" in grant.scopes:
            body["id_token"] = self._id_token(grant)
        return body


_NO_STORE = {"cache-control": "no-cache, no-store, max-age=0, must-revalidate", "pragma": "no-cache"}


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)
