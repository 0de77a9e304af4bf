from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer
from tickets.models import Ticket


def test_seed_demo_adds_valid_searchable_customers_and_consistent_tickets(
    db, make_customer
):
    existing = make_customer()
    out = io.StringIO()
    call_command("seed_demo", customers=300, tickets=120, stdout=out)
    assert "Seeded 300 customers and 120 tickets" in out.getvalue()
    seeded = Customer.objects.exclude(pk=existing.pk)
    assert seeded.count() == 300
    assert min(c.pk for c in seeded) == existing.pk + 1
    for customer in seeded[:50]:
        customer.full_clean()  # the shared validation rules accept seed data
    first = seeded.order_by("pk").first()
    assert first in Customer.objects.search(first.name.split()[0][:3])
    assert Ticket.objects.count() == 120
    for ticket in Ticket.objects.all():
        assert (ticket.closed_at is None) == ticket.is_open
    # New rows after a seed get the next free IDs (sequences were reset).
    assert make_customer().pk == existing.pk + 301


def test_seed_demo_writes_history_only_when_asked(db):
    call_command("seed_demo", customers=10, tickets=5, stdout=io.StringIO())
    assert Customer.history.count() == 0
    call_command(
        "seed_demo", customers=10, tickets=5, history=True, stdout=io.StringIO()
    )
    assert Customer.history.count() == 10
    assert Ticket.history.count() == 5


def test_seed_demo_refuses_negative_counts(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", customers=-1, stdout=io.StringIO())


def test_seed_demo_adds_searchable_messages_and_tickets_with_due_times(db):
    from django.core.management import call_command

    from tickets.models import Ticket, TicketComment
    from tickets.search import ranked_ids

    call_command(
        "seed_demo", customers=20, tickets=30, messages=200, stdout=io.StringIO()
    )
    assert TicketComment.objects.count() == 200
    assert ranked_ids("cafe") or ranked_ids("printer")  # found through the index
    open_ = Ticket.objects.open()
    assert open_.exists() or Ticket.objects.count() == 30
    assert not open_.filter(due_at__isnull=True).exists()
    assert not Ticket.objects.filter(
        closed_at__isnull=False, due_at__isnull=False
    ).exists()
