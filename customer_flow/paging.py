"""Pagination that never counts a million rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

# Lists count at most this many rows; past it they say "1,000+" and show the first
# pages, and the person searches, filters or sorts the other way to reach the rest.
CAP = 1000
PER_PAGE = 50


@dataclass(frozen=True)
class CappedList:
    """A sorted queryset and its row count, where the count stops at ``CAP``."""

    queryset: QuerySet
    total: int
    capped: bool

    @classmethod
    def of(cls, queryset: QuerySet) -> CappedList:
        """Count ``queryset`` up to ``CAP`` + 1 rows (an index range, not a scan)."""
        total = queryset.order_by()[: CAP + 1].count()
        return cls(queryset, min(total, CAP), total > CAP)

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: slice) -> list:
        return list(self.queryset[index])


def paginate(request: HttpRequest, items: CappedList) -> Page:
    """The page of ``items`` named by ``?page=``; a bad number gives the nearest."""
    paginator = Paginator(items, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    page.links = list(paginator.get_elided_page_range(page.number, on_each_side=2))
    return page
