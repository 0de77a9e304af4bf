"""The queue sorted by assignee, read one index range per person.

Sorting by the assignee's name is sorting by another table's column: no index of
the tickets holds that order, so the database joined and sorted every open
ticket (most of a second at a million tickets). There are few people, though:
the page is the first tickets of each person in name order, each read from
ticket_open_assignee_id_idx in ID order, so a page reads at most
(people + 1) x (page end) index entries, in one query.

The order is the one ``tickets.queue.SORTS["assignee"]`` gives the ORM (the
display name, lower-cased; the user's ID; the ticket's), nobody last.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections

from customer_flow.lib.paging import CappedList
from customer_flow.lib.users import display_name
from tickets.queue import TicketQuerySet

# Past this many people, one query of that many parts is no longer cheap: the
# plain ORDER BY is used instead (SQLite allows 500 parts in a compound query).
MAX_PEOPLE = 200


@dataclass(frozen=True)
class AssigneeOrderedList:
    """A page source (customer_flow.lib.paging) of ``tickets`` sorted by assignee."""

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
        ids = self._ids(stop)[start:stop]
        found = self.tickets.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def _ids(self, stop: int) -> list[int]:
        """The first ``stop`` ticket IDs in order: a part per person, one query."""
        order = "-id" if self.descending else "id"
        sql: list[str] = []
        params: list[Any] = []
        for n, pk in enumerate(self.groups):
            part = self.tickets.filter(assignee_id=pk).order_by(order)
            part_sql, part_params = part.values_list("pk")[
                :stop
            ].query.sql_with_params()
            # Django cannot put a LIMIT in a part of a union on SQLite: by hand.
            sql.append(f"SELECT {n}, part{n}.* FROM ({part_sql}) AS part{n}")
            params += part_params
        with connections[self.tickets.db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(sql), params)
            rows = cursor.fetchall()
        sign = -1 if self.descending else 1
        rows.sort(key=lambda row: (row[0], sign * row[1]))
        return [pk for _group, pk in rows[:stop]]
