"""What the queue page shows, worked out in Python once per request.

The queue shows 50 rows of a dozen values each: resolving them in the template
(a lookup, a filter and an include per cell) cost more than the queries. Here
each row becomes a dict of ready strings, and the sort links are built once, so
the template only prints them. Even printing them (a dozen variables a row, each
looked up, localized and escaped by the template engine) cost 5 ms a page, so the
rows' HTML is written here too (``table_rows``), escaped as the template would.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import TypedDict

from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe

from customer_flow.lib.users import display_name
from tickets import sla
from tickets.models import Ticket
from tickets.templatetags.ticket_tags import age, until

# The columns rows() reads: loading every column of 50 tickets, their customers and
# assignees cost 1.5 ms more a page.
FIELDS = [
    "subject",
    "customer__name",
    "ticket_type__name",
    "status",
    "priority",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "updated_at",
    "waiting_since",
    "due_at",
    "sla_paused_at",  # sla.state()
]


class Row(TypedDict):
    id: int
    url: str
    subject: str
    customer_url: str
    customer: str
    type: str
    status: str
    status_label: str
    priority: int
    priority_label: str
    assignee: str
    updated_iso: str
    updated_title: str
    updated_age: str
    waiting_iso: str
    waiting_title: str
    waiting_age: str
    due_iso: str
    due_title: str
    due_text: str
    sla: str


class Heading(TypedDict):
    label: str
    href: str
    aria_sort: str
    mark: str


# The columns in page order: ?sort= key (None: not sortable), heading, and the
# way the unreversed key reads (the number and dates: newest first).
COLUMNS: list[tuple[str | None, str, str]] = [
    ("created", "#", "descending"),
    (None, "Subject", ""),
    ("customer", "Customer", "ascending"),
    (None, "Type", ""),
    ("status", "Status", "ascending"),
    ("priority", "Priority", "descending"),
    ("assignee", "Assignee", "ascending"),
    ("updated", "Last update", "descending"),
    ("waiting", "Waiting since", "ascending"),
    ("due", "Due", "ascending"),
]
_PLACEHOLDER = "2147483647"  # a number no URL pattern refuses
_REVERSED = {"ascending": "descending", "descending": "ascending"}


def rows(tickets: Iterable[Ticket], now: datetime | None = None) -> list[Row]:
    """The page's tickets as display values (customer, type and assignee are
    expected to be selected with the tickets, ``FIELDS`` at least)."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    months = [str(m).title() for m in MONTHS_3.values()]

    def when(value: datetime) -> str:  # the date filter's "j M Y, H:i", but faster
        local = value.astimezone(zone)
        return f"{local.day} {months[local.month - 1]} {local.year}, {local:%H:%M}"

    # One reverse() per page: the URLs differ only by the number.
    ticket_url = reverse("tickets:detail", args=[_PLACEHOLDER])
    customer_url = reverse("customers:detail", args=[_PLACEHOLDER])
    # get_status_display() and get_priority_display(), without their per-call
    # hashing of the value.
    statuses = {value: str(label) for value, label in Ticket.Status.choices}
    priorities = {value: str(label) for value, label in Ticket.Priority.choices}
    result: list[Row] = []
    for ticket in tickets:
        updated, waiting, due = ticket.updated_at, ticket.waiting_since, ticket.due_at
        result.append(
            {
                "id": ticket.pk,
                "url": ticket_url.replace(_PLACEHOLDER, str(ticket.pk)),
                "subject": ticket.subject,
                "customer_url": customer_url.replace(
                    _PLACEHOLDER, str(ticket.customer_id)
                ),
                "customer": ticket.customer.name,
                "type": ticket.ticket_type.name,
                "status": ticket.status,
                "status_label": statuses.get(ticket.status, ticket.status),
                "priority": ticket.priority,
                "priority_label": priorities.get(ticket.priority, str(ticket.priority)),
                "assignee": display_name(ticket.assignee, nobody="—"),
                "updated_iso": updated.isoformat(),
                "updated_title": when(updated),
                "updated_age": age(updated, now),
                "waiting_iso": waiting.isoformat() if waiting else "",
                "waiting_title": when(waiting) if waiting else "",
                "waiting_age": age(waiting, now) if waiting else "",
                "due_iso": due.isoformat() if due else "",
                "due_title": when(due) if due else "",
                "due_text": until(due, now) if due else "",
                "sla": sla.state(ticket, now),
            }
        )
    return result


def headings(params: QueryDict, sort: str) -> list[Heading]:
    """Each column's heading; a sortable one links to the queue sorted by it (the
    other way round when it already is), with aria-sort and an arrow."""
    query = params.copy()
    query.pop("page", None)
    links: list[Heading] = []
    for key, label, natural in COLUMNS:
        aria, mark, href = "", "", ""
        if key is not None:
            target = key
            if sort == key:
                aria, mark, target = natural, " ▼", "-" + key
            elif sort == "-" + key:
                aria, mark = _REVERSED[natural], " ▲"
            query["sort"] = target
            href = "?" + query.urlencode()
        links.append({"label": label, "href": href, "aria_sort": aria, "mark": mark})
    return links


# One <tr> of the queue (templates/tickets/ticket_list.html prints them).
_ROW = """\
<tr>
{select}  <td class="num">{id}</td>
  <td><a href="{url}" data-queue-link>{subject}</a></td>
  <td><a href="{customer_url}">{customer}</a></td>
  <td>{type}</td>
  <td><span class="badge status-{status}">{status_label}</span></td>
  <td><span class="badge priority-{priority}">{priority_label}</span></td>
  <td>{assignee}</td>
  <td><time datetime="{updated_iso}" title="Updated {updated_title}">\
{updated_age} ago</time></td>
  <td>{waiting}</td>
  <td>{due}</td>
</tr>
"""
_SELECT = """\
  <td class="select"><input type="checkbox" name="ticket" value="{id}" \
form="bulk-form" aria-label="Select ticket #{id}"></td>
"""
_WAITING = """\
<time datetime="{waiting_iso}" title="The customer has waited since \
{waiting_title}">{waiting_age}</time>"""
_DUE = '<time datetime="{due_iso}" title="Due {due_title}">{due_text}</time>'
_SLA_BADGES = {
    "overdue": ' <span class="badge sla-overdue">Overdue</span>',
    "soon": ' <span class="badge sla-soon">Due soon</span>',
    "paused": ' <span class="badge muted">Paused</span>',
}


def table_rows(rows: list[Row], *, selectable: bool) -> SafeString:
    """The rows' HTML: a checkbox first when ``selectable``; every value escaped
    (``html.escape``, which Django's ``escape`` is)."""
    html = []
    for row in rows:
        text = {key: escape(str(value)) for key, value in row.items()}
        select = _SELECT.format(**text) if selectable else ""
        waiting = _WAITING.format(**text) if row["waiting_iso"] else "—"
        due = "—"
        if row["due_iso"]:
            due = _DUE.format(**text) + _SLA_BADGES.get(row["sla"], "")
        html.append(_ROW.format(**text, select=select, waiting=waiting, due=due))
    return mark_safe("".join(html))  # every value escaped above
