"""Google as an OpenID provider: discovery, the key set (an RSA key made when the fake is built), RS256 ID tokens
and userinfo."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.fake_google.oauth import Grant
from tests.support.fake_google.wire import Answer, Request, answer, oauth_error


class OpenIdServer:
    """Mixed into FakeGoogle. ``issuer`` is what ID tokens and discovery name (Google's by default)."""

    client_id: str
    base_url: str

    access_alive: Callable[[str | None], Grant | None]

    def _reset_openid(self) -> None:
        self.issuer = "https://accounts.google.com"
        if not hasattr(self, "_key"):
            self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self._kid = secrets.token_hex(20)

    def _discovery(self, _: Request) -> Answer:
        base = self.base_url
        return answer(
            200,
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{base}/o/oauth2/v2/auth",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/v1/userinfo",
                "revocation_endpoint": f"{base}/revoke",
                "jwks_uri": f"{base}/oauth2/v3/certs",
                "response_types_supported": ["code", "token", "id_token", "code id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss", "name", "sub"],
                "code_challenge_methods_supported": ["plain", "S256"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
            },
        )

    def _certs(self, _: Request) -> Answer:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        return answer(200, {"keys": [public | {"kid": self._kid, "alg": "RS256", "use": "sig"}]})

    def _userinfo(self, request: Request) -> Answer:
        grant = self.access_alive(request.bearer())
        if grant is None:
            return oauth_error(401, "invalid_request", "Invalid Credentials")
        return answer(200, dict(grant.identity))

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.issuer, "azp": self.client_id, "aud": self.client_id, **grant.identity}
        claims |= {"iat": now, "exp": now + 3600} | ({"nonce": grant.nonce} if grant.nonce else {})
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})
