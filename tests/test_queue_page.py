"""The queue page's display values (tickets.queue_page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.http import QueryDict
from django.utils import timezone

from tickets import queue_page
from tickets.models import Ticket


def test_rows_carry_ready_strings_in_the_current_time_zone(make_ticket, lead, settings):
    settings.TIME_ZONE = "Europe/Paris"
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    ticket = make_ticket(priority=4, assignee=lead)
    Ticket.objects.filter(pk=ticket.pk).update(
        updated_at=now - timedelta(hours=5),
        waiting_since=None,
        due_at=now - timedelta(hours=2),
    )
    tickets = Ticket.objects.select_related("customer", "ticket_type", "assignee")
    with timezone.override("Europe/Paris"):
        [row] = queue_page.rows(tickets, now=now)
    assert row["url"] == f"/tickets/{ticket.pk}/"
    assert row["customer_url"] == f"/customers/{ticket.customer_id}/"
    assert (row["status_label"], row["priority_label"]) == ("Open", "Urgent")
    assert row["assignee"] == "lead"
    assert (row["updated_age"], row["updated_title"]) == ("5 h", "15 Jan 2026, 08:00")
    assert (row["waiting_iso"], row["waiting_age"]) == ("", "")
    assert (row["due_text"], row["sla"]) == ("2 h late", "overdue")


def test_headings_link_each_sortable_column_the_other_way_when_sorted():
    params = QueryDict("status=all&page=3&sort=customer")
    headings = {h["label"]: h for h in queue_page.headings(params, "customer")}
    assert headings["Customer"] == {
        "label": "Customer",
        "href": "?status=all&sort=-customer",
        "aria_sort": "ascending",
        "mark": " ▼",
    }
    assert headings["Due"]["href"] == "?status=all&sort=due"
    assert headings["Subject"]["href"] == ""
    newest = {h["label"]: h for h in queue_page.headings(params, "-updated")}
    assert (newest["Last update"]["aria_sort"], newest["Last update"]["mark"]) == (
        "ascending",
        " ▲",
    )


def _row(**overrides) -> queue_page.Row:
    row: queue_page.Row = {
        "id": 7,
        "url": "/tickets/7/",
        "subject": "<b>\"Fire\" & 'smoke'</b>",
        "customer_url": "/customers/3/",
        "customer": "Ada <Lovelace>",
        "type": "Billing",
        "status": "open",
        "status_label": "Open",
        "priority": 4,
        "priority_label": "Urgent",
        "assignee": "lead",
        "updated_iso": "2026-01-15T07:00:00+00:00",
        "updated_title": "15 Jan 2026, 08:00",
        "updated_age": "5 h",
        "waiting_iso": "",
        "waiting_title": "",
        "waiting_age": "",
        "due_iso": "2026-01-15T10:00:00+00:00",
        "due_title": "15 Jan 2026, 11:00",
        "due_text": "2 h late",
        "sla": "overdue",
    }
    row.update(overrides)
    return row


def test_table_rows_escape_every_value_as_the_template_would():
    html = queue_page.table_rows([_row()], selectable=True)
    assert (
        '<td><a href="/tickets/7/" data-queue-link>&lt;b&gt;&quot;Fire&quot; '
        "&amp; &#x27;smoke&#x27;&lt;/b&gt;</a></td>" in html
    )
    assert '<td><a href="/customers/3/">Ada &lt;Lovelace&gt;</a></td>' in html
    assert (
        '<input type="checkbox" name="ticket" value="7" form="bulk-form" '
        'aria-label="Select ticket #7">' in html
    )
    assert '<span class="badge priority-4">Urgent</span>' in html
    assert "<td>—</td>" in html  # waiting since: none
    assert (
        '<time datetime="2026-01-15T10:00:00+00:00" title="Due 15 Jan 2026, 11:00">'
        '2 h late</time> <span class="badge sla-overdue">Overdue</span></td>' in html
    )


def test_table_rows_without_selection_or_due_date():
    html = queue_page.table_rows(
        [_row(due_iso="", sla=""), _row(id=8)], selectable=False
    )
    assert "checkbox" not in html
    assert html.count("<tr>") == 2 and html.count("<td>—</td>") == 3
