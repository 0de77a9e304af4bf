"""The queue sorted by assignee or customer: by another table's column.

No index of the tickets holds such an order, so the database joined and sorted
every open ticket (most of a second at a million tickets). Instead the page is
read group by group, in the group's order, each group's tickets by ID:

- assignee: there are few people; the first tickets of each, in name order, are
  read from ticket_open_assignee_id_idx in one query (at most (people + 1) x
  page end index entries);
- customer: the customers that have a matching ticket are read in the customer
  list's name order (customer_name_key_idx, probing ticket_open_customer_id_idx),
  as many as the page end at most, then their tickets.

The orders are those ``tickets.queue.SORTS`` gives the ORM, so both agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Exists, OuterRef

from customer_flow.lib.paging import CappedList
from customer_flow.lib.users import display_name
from tickets.queue import TicketQuerySet

# Past this many people, one query of that many parts is no longer cheap: the
# plain ORDER BY is used instead (SQLite allows 500 parts in a compound query).
MAX_PEOPLE = 200
# Stands for a person's ID while their part of the union is compiled: no user has it.
_ANYONE = -1


class _GroupedPages:
    """A page source (customer_flow.lib.paging): ``ids(stop)`` gives the first
    ``stop`` ticket IDs in order; the page's tickets are read by ID."""

    tickets: TicketQuerySet
    total: int

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Any]:
        return iter(self[: self.total])

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        ids = self.ids(stop)[start:stop]
        found = self.tickets.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def ids(self, stop: int) -> list[int]:
        raise NotImplementedError


@dataclass(frozen=True)
class ByAssignee(_GroupedPages):
    """``tickets`` sorted by assignee (nobody last)."""

    tickets: TicketQuerySet
    groups: list[int | None]  # assignee IDs in page order; None for nobody
    descending: bool
    total: int
    capped: bool

    @classmethod
    def of(cls, tickets: TicketQuerySet, *, descending: bool) -> Any:
        """The fast list, or a plain CappedList when there are too many people."""
        capped = CappedList.of(tickets)
        people = list(
            get_user_model().objects.only("first_name", "last_name", "username")[
                : MAX_PEOPLE + 1
            ]
        )
        if len(people) > MAX_PEOPLE:
            return capped
        people.sort(key=lambda user: (display_name(user).lower(), user.pk))
        groups: list[int | None] = [user.pk for user in people]
        groups.append(None)  # nobody, last
        if descending:
            groups.reverse()
        return cls(tickets.order_by(), groups, descending, capped.total, capped.capped)

    def ids(self, stop: int) -> list[int]:
        """The first ``stop`` ticket IDs in order: a part per person, one query."""
        sql: list[str] = []
        params: list[Any] = []
        for n, (part_sql, part_params) in enumerate(self._parts(stop)):
            # Django cannot put a LIMIT in a part of a union on SQLite: by hand.
            sql.append(f"SELECT {n}, part{n}.* FROM ({part_sql}) AS part{n}")
            params += part_params
        with connections[self.tickets.db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(sql), params)
            rows = cursor.fetchall()
        sign = -1 if self.descending else 1
        rows.sort(key=lambda row: (row[0], sign * row[1]))
        return [pk for _group, pk in rows[:stop]]

    def _parts(self, stop: int) -> Iterator[tuple[str, Sequence[Any]]]:
        """Each group's first ``stop`` ticket IDs, as SQL and parameters. The
        people's parts differ only by their ID: compiled one by one they took
        15 ms for twenty people, so one is compiled and the others get their ID
        in its parameter."""
        order = "-id" if self.descending else "id"
        tickets = self.tickets.order_by(order).values_list("pk")
        person_sql, person_params = tickets.filter(assignee_id=_ANYONE)[
            :stop
        ].query.sql_with_params()
        found = [n for n, p in enumerate(person_params) if p == _ANYONE]
        for pk in self.groups:
            if pk is None or len(found) != 1:  # nobody, or no single place for pk
                yield tickets.filter(assignee_id=pk)[:stop].query.sql_with_params()
            else:
                params = list(person_params)
                params[found[0]] = pk
                yield person_sql, params


@dataclass(frozen=True)
class ByCustomer(_GroupedPages):
    """``tickets`` sorted by the customer's name (the customer list's order)."""

    tickets: TicketQuerySet
    descending: bool
    total: int
    capped: bool

    @classmethod
    def of(cls, tickets: TicketQuerySet, *, descending: bool) -> ByCustomer:
        capped = CappedList.of(tickets)
        return cls(tickets.order_by(), descending, capped.total, capped.capped)

    def ids(self, stop: int) -> list[int]:
        """The first ``stop`` ticket IDs: of the first ``stop`` customers at most
        (each has one at least), in name order; two queries."""
        from customers.models import Customer

        sign = "-" if self.descending else ""
        matching = self.tickets.filter(customer_id=OuterRef("pk"))
        customers = list(
            Customer.objects.filter(Exists(matching))
            .order_by(sign + "name_key", sign + "id")
            .values_list("pk", flat=True)[:stop]
        )
        rank = {pk: n for n, pk in enumerate(customers)}
        rows = list(
            self.tickets.filter(customer_id__in=customers).values_list(
                "customer_id", "pk"
            )
        )
        order = -1 if self.descending else 1
        rows.sort(key=lambda row: (rank[row[0]], order * row[1]))
        return [pk for _customer, pk in rows[:stop]]
