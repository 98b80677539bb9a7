"""The query parameters and the answer of every list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import Parameter

from assistme.core.shared.pagination import MAX_LIMIT, Page

T = TypeVar("T")
U = TypeVar("U")

Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="Page size, 1 to 100")]
MAX_OFFSET = 1_000_000_000
"""Far past any real list, and within every database's integers: a larger offset is 422, never a 500."""
Offset = Annotated[int, Parameter(ge=0, le=MAX_OFFSET, description="How many items to skip, at most 10^9")]


class PageOut(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[U], convert: Callable[[U], T]) -> PageOut[T]:
        return cls([convert(item) for item in page.items], page.total, page.limit, page.offset)
