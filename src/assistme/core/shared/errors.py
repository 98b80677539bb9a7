"""The core's own errors; the API layer turns each into a problem+json answer."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def extensions(self) -> dict[str, object]:
        """Members the problem+json answer carries beside ``detail``: what the client needs to recover."""
        return {}


class NotFound(DomainError):
    title = "Not found"


class Conflict(DomainError):
    title = "Conflict"


class PermissionDenied(DomainError):
    title = "Forbidden"


class Unauthenticated(DomainError):
    title = "Unauthorized"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class InvalidInput(DomainError):
    title = "Invalid input"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or []

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", [FieldError(field, message)])


class RateLimited(DomainError):
    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


class Unavailable(DomainError):
    title = "Service unavailable"

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class StoreUnavailable(Unavailable):
    """Our own database is away: nothing can be recorded, so work stops and is tried again once it is back."""


class BadRequest(DomainError):
    """A request that can never succeed as sent, and names no field (a spent OAuth state, say)."""

    title = "Bad request"


class ModelFailed(DomainError):
    """An upstream model answered something unusable (502)."""

    title = "Bad gateway"
