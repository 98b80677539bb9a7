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
Offset = Annotated[int, Parameter(ge=0, description="How many items to skip")]


class PageOut(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[U], convert: Callable[[U], T]) -> PageOut[T]:
        return cls([convert(item) for item in page.items], page.total, page.limit, page.offset)
