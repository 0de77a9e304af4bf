from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from tickets.models import Ticket, TicketType


def test_database_refuses_a_type_name_differing_only_in_case(make_ticket_type):
    make_ticket_type(code="1", name="Technical Issue")
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketType.objects.create(code="2", name="technical issue")


def test_database_refuses_a_duplicate_type_code(make_ticket_type):
    make_ticket_type(code="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketType.objects.create(code="1", name="Something else")


def test_type_used_by_tickets_cannot_be_deleted_but_can_be_deactivated(make_ticket):
    ticket_type = make_ticket().ticket_type
    with pytest.raises(ProtectedError):
        ticket_type.delete()
    ticket_type.active = False
    ticket_type.save()
    assert list(TicketType.objects.active()) == []


def test_types_are_ordered_by_numeric_code(make_ticket_type):
    for code in ["10", "2", "1"]:
        make_ticket_type(code=code)
    assert list(TicketType.objects.values_list("code", flat=True)) == ["1", "2", "10"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "lost"), ("priority", 9)],
    ids=["status", "priority"],
)
def test_database_refuses_unknown_status_or_priority(make_ticket, field, value):
    ticket = make_ticket()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(**{field: value})


def test_database_refuses_a_closed_ticket_without_closing_time(make_ticket):
    ticket = make_ticket()
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.filter(pk=ticket.pk).update(status="closed")


def test_resolving_stamps_closed_at_and_reopening_clears_it(make_ticket):
    ticket = make_ticket()
    ticket.set_status(Ticket.Status.RESOLVED)
    ticket.save()
    assert ticket.closed_at is not None
    ticket.set_status(Ticket.Status.OPEN)
    ticket.save()
    ticket.refresh_from_db()
    assert ticket.closed_at is None


def test_queue_order_is_most_urgent_first_then_oldest(make_ticket, make_customer):
    customer = make_customer()
    low = make_ticket(customer=customer, priority=Ticket.Priority.LOW)
    urgent = make_ticket(customer=customer, priority=Ticket.Priority.URGENT)
    older_normal = make_ticket(customer=customer)
    newer_normal = make_ticket(customer=customer)
    assert list(Ticket.objects.open()) == [urgent, older_normal, newer_normal, low]


def test_ticket_type_names_are_saved_composed(db):
    from tickets.models import TicketType

    ticket_type = TicketType.objects.create(code="1", name="Cafe\u0301")
    ticket_type.refresh_from_db()
    assert ticket_type.name == "Café"
