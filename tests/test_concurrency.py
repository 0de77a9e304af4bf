"""Real parallel writers on the real database: a SQLite file in WAL, or PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from customers.models import Customer
from tickets.models import TicketComment

WRITERS = 8
ROUNDS = 25


def _in_threads(work, count: int) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads at once; return what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_never_hit_database_is_locked_nor_lose_a_write(
    make_ticket, make_customer
):
    ticket = make_ticket()
    customers = [make_customer() for _ in range(WRITERS)]
    acknowledged: dict[int, str] = {}

    def write(i: int) -> None:
        for round_ in range(ROUNDS):
            with transaction.atomic():
                customer = Customer.objects.get(pk=customers[i].pk)
                customer.name = f"Writer {i} round {round_}"
                customer.save()
                TicketComment.objects.create(ticket_id=ticket.pk, body=f"{i}/{round_}")
            acknowledged[i] = customer.name

    assert _in_threads(write, WRITERS) == []
    assert ticket.comments.count() == WRITERS * ROUNDS
    for i, customer in enumerate(customers):
        customer.refresh_from_db()
        assert customer.name == acknowledged[i] == f"Writer {i} round {ROUNDS - 1}"
        assert customer.version == ROUNDS + 1
        assert customer.history.count() == ROUNDS + 1
