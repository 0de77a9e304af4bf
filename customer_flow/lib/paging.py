"""Pagination that never counts a million rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, overload

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest

# Lists count at most this many rows; past it they say "1,000+" and show the first
# pages, and the person searches, filters or sorts the other way to reach the rest.
CAP = 1000
PER_PAGE = 50


@dataclass(frozen=True)
class CappedList:
    """A sorted queryset and its row count, where the count stops at ``CAP``."""

    queryset: QuerySet[Any]
    total: int
    capped: bool

    @classmethod
    def of(cls, queryset: QuerySet[Any]) -> CappedList:
        """Count ``queryset`` up to ``CAP`` + 1 rows (an index range, not a scan)."""
        total = queryset.order_by()[: CAP + 1].count()
        return cls(queryset, min(total, CAP), total > CAP)

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> Model: ...
    @overload
    def __getitem__(self, index: slice) -> list[Model]: ...
    def __getitem__(self, index: int | slice) -> Model | list[Model]:
        if isinstance(index, int):
            return self.queryset[index]
        return list(self.queryset[index])

    def __iter__(self) -> Iterator[Model]:
        return iter(self.queryset[: self.total])


@dataclass(frozen=True)
class RankedList:
    """Rows in an order known by their IDs (a search's ranking): only the shown
    page's rows are read, by ID, from ``queryset``. Same interface as
    ``CappedList``; ``capped`` says the IDs stopped at a limit."""

    queryset: QuerySet[Any]
    ids: list[int]
    capped: bool = False

    @property
    def total(self) -> int:
        return len(self.ids)

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        ids = self.ids[index]
        rows = self.queryset.order_by().in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]

    def __iter__(self) -> Iterator[Any]:
        return iter(self[:])


class LinkedPage(Page):
    """A page and its links: page numbers, with "…" for the gaps."""

    def __init__(
        self, object_list: Any, number: int, paginator: Paginator[Model]
    ) -> None:
        super().__init__(object_list, number, paginator)
        self.links = list(paginator.get_elided_page_range(number, on_each_side=2))


class LinkedPaginator(Paginator):
    def _get_page(self, *args: Any, **kwargs: Any) -> LinkedPage:
        return LinkedPage(*args, **kwargs)


class PageSource(Protocol):
    """What a list gives the paginator: ``CappedList`` or a ranked list."""

    def count(self) -> int: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...
    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Any: ...


def paginate(request: HttpRequest, items: PageSource) -> Page[Model]:
    """The page of ``items`` named by ``?page=``; a bad number gives the nearest."""
    return LinkedPaginator(items, PER_PAGE).get_page(request.GET.get("page"))
