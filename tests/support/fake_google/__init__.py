"""A fake Google on 127.0.0.1 speaking the real wire formats: OAuth 2.0 and OpenID Connect, Gmail and Calendar."""

from tests.support.fake_google.server import FakeGoogle

__all__ = ["FakeGoogle"]
