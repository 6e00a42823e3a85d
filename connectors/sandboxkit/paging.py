"""Paging of sandbox lists: read and check `page` / `pageSize`, slice a queryset.

Each sandbox renders its own envelope (Feeddex `{items, page, ...}`, Asperion
`{_data, _meta}`) from the PageSlice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from django.db.models import Model, QuerySet
from django.http import QueryDict

MAX_OFFSET = 2**62

T = TypeVar("T")
M = TypeVar("M", bound=Model)


class PagingInvalid(ValueError):
    """A paging parameter that is not a whole number in range; names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class PageSlice(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page * self.page_size < self.total else None


def page_request(
    query: QueryDict,
    *,
    default_size: int,
    contract_max: int,
    knob_max: int,
    page_param: str = "page",
    size_param: str = "pageSize",
) -> PageRequest:
    """Return the asked page; raise PagingInvalid outside the contract's range.

    A size within the contract but above the account's `max_page_size` knob is quietly
    lowered to the knob, as real APIs do, and the envelope reports the size used.
    """
    page = _whole_number(query, page_param, default=1, maximum=None)
    size = _whole_number(query, size_param, default=default_size, maximum=contract_max)
    return PageRequest(page=page, page_size=min(size, knob_max))


@overload
def paginate(items: QuerySet[M], request: PageRequest) -> PageSlice[M]: ...


@overload
def paginate(items: Sequence[T], request: PageRequest) -> PageSlice[T]: ...


def paginate(items: QuerySet[M] | Sequence[T], request: PageRequest) -> PageSlice[Any]:
    """Return one page of a queryset (counted and sliced in the database) or a sequence."""
    end = request.offset + request.page_size
    if isinstance(items, QuerySet):
        # A page far past any data must not reach the database (OFFSET is a 64-bit integer).
        rows = [] if end > MAX_OFFSET else list(items[request.offset : end])
        return PageSlice(
            items=rows,
            page=request.page,
            page_size=request.page_size,
            total=items.count(),
        )
    return PageSlice(
        items=list(items[request.offset : end]),
        page=request.page,
        page_size=request.page_size,
        total=len(items),
    )


def _whole_number(query: QueryDict, name: str, *, default: int, maximum: int | None) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise PagingInvalid(name, "must be a whole number") from None
    if value < 1:
        raise PagingInvalid(name, "must be at least 1")
    if maximum is not None and value > maximum:
        raise PagingInvalid(name, f"must be at most {maximum}")
    return value
