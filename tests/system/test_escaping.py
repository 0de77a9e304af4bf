"""A customer named like a script shows as text everywhere it appears."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tickets.models import TicketComment

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def evil_ticket(make_customer, make_ticket, make_ticket_type, lead):
    customer = make_customer(name=EVIL, email="evil@example.com")
    ticket = make_ticket(
        customer=customer,
        ticket_type=make_ticket_type(name=EVIL),
        subject=EVIL,
        description=EVIL,
        assignee=lead,
    )
    TicketComment.objects.create(ticket=ticket, author=lead, body=EVIL)
    customer.name = EVIL + " "  # a history entry with the name in it
    customer.save()
    customer.name = EVIL
    customer.save()
    return ticket


def staff_pages(ticket) -> list[str]:
    customer = ticket.customer
    return [
        reverse("dashboard"),
        reverse("customers:list"),
        reverse("customers:list") + "?q=%3Cscript",
        reverse("customers:detail", args=[customer.pk]),
        reverse("customers:edit", args=[customer.pk]),
        reverse("customers:archive", args=[customer.pk]),
        reverse("tickets:create", args=[customer.pk]),
        reverse("tickets:list"),
        reverse("tickets:detail", args=[ticket.pk]),
        reverse("tickets:types"),
    ]


def test_the_name_is_text_on_every_staff_page(lead_client, evil_ticket):
    for url in staff_pages(evil_ticket):
        response = lead_client.get(url)
        assert response.status_code == 200, url
        assert EVIL not in response.text, url
        assert ESCAPED in response.text, url


def test_the_htmx_fragment_escapes_too(lead_client, evil_ticket):
    response = lead_client.get(
        reverse("customers:list"), {"q": "<scr"}, HTTP_HX_REQUEST="true"
    )
    assert EVIL not in response.text
    assert ESCAPED in response.text


def test_the_name_is_text_in_the_admin(admin_client, evil_ticket):
    customer = evil_ticket.customer
    for url in [
        reverse("admin:customers_customer_changelist"),
        reverse("admin:customers_customer_change", args=[customer.pk]),
        reverse("admin:customers_customer_history", args=[customer.pk]),
        reverse("admin:tickets_ticket_changelist"),
        reverse("admin:tickets_ticket_change", args=[evil_ticket.pk]),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert EVIL not in response.text, url


def test_the_export_keeps_the_name_as_plain_text(lead_client, evil_ticket):
    response = lead_client.get(reverse("customers:export"))
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[1][1] == EVIL
    assert response["Content-Type"].startswith("text/csv")
