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
