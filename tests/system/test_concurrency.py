"""Real parallel writers on the real database: a SQLite file in WAL, or PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from customers.importing import import_customers
from customers.models import Customer
from customers.services import EditConflict, customer_update
from tickets.models import TicketComment
from tickets.services import TicketConflict, ticket_update

WRITERS = 8
ROUNDS = 25
IMPORT_ROWS = 30_000


def _in_threads(work, count: int) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads at once; return what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as error:  # reported to the test
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


@pytest.mark.django_db(transaction=True)
def test_two_parallel_edits_from_one_version_save_one_and_refuse_the_other(
    make_customer, agent
):
    customer = make_customer(name="Original")
    outcomes: dict[int, str] = {}

    def edit(i: int) -> None:
        data = {"name": f"Editor {i}", "email": customer.email, "phone": ""}
        try:
            customer_update(
                customer=customer, data=data, expected_version=1, user=agent
            )
            outcomes[i] = "saved"
        except EditConflict:
            outcomes[i] = "refused"

    assert _in_threads(edit, 2) == []
    assert sorted(outcomes.values()) == ["refused", "saved"]
    winner = next(i for i, outcome in outcomes.items() if outcome == "saved")
    customer.refresh_from_db()
    assert (customer.name, customer.version) == (f"Editor {winner}", 2)


@pytest.mark.django_db(transaction=True)
def test_edits_during_an_import_neither_wait_out_nor_get_lost(make_customer, agent):
    customers = [make_customer() for _ in range(WRITERS - 1)]
    rows = "".join(
        f"{n},Imported {n},imported{n}@example.com,\n"
        for n in range(100_000, 100_000 + IMPORT_ROWS)
    )
    import_done = threading.Event()
    acknowledged: dict[int, str] = {}
    reports = []

    def work(i: int) -> None:
        if i == 0:
            try:
                reports.append(
                    import_customers(f"ID,Name,Email,Phone\n{rows}".encode())
                )
            finally:
                import_done.set()
            return
        customer = customers[i - 1]
        round_ = 0
        while not import_done.is_set() or round_ < 3:
            round_ += 1
            current = Customer.objects.get(pk=customer.pk)
            data = {"name": f"Edit {i}.{round_}", "email": current.email, "phone": ""}
            saved = customer_update(
                customer=current,
                data=data,
                expected_version=current.version,
                user=agent,
            ).customer
            acknowledged[saved.pk] = saved.name
            if not import_done.is_set():
                during_import.append(saved.pk)

    during_import: list[int] = []
    assert _in_threads(work, WRITERS) == []
    assert during_import, "no edit overlapped the import"
    assert reports[0].created == IMPORT_ROWS and not reports[0].errors
    # (By name: an earlier test's large import may have moved the ID sequence,
    # so this test's own customers can have IDs above 100,000 too.)
    assert Customer.objects.filter(name__startswith="Imported ").count() == IMPORT_ROWS
    assert len(acknowledged) == WRITERS - 1
    for pk, name in acknowledged.items():
        assert Customer.objects.get(pk=pk).name == name


@pytest.mark.django_db(transaction=True)
def test_an_edit_during_a_merge_is_never_lost(make_customer, make_ticket, agent):
    from customers.merging import merge_customers, undo_merge

    keep = make_customer(name="Keep")
    others = [make_customer(name=f"Other {n}") for n in range(3)]
    for other in others:
        for _ in range(20):
            make_ticket(customer=other)
    edited: dict[int, str] = {}
    merges = []

    def work(i: int) -> None:
        if i == 0:
            merged = merge_customers(
                survivor_id=keep.pk, other_ids=[o.pk for o in others]
            )
            merges.append(merged)
            return
        target = others[i - 1]
        current = Customer.objects.get(pk=target.pk)
        data = {"name": f"Edited {i}", "email": current.email, "phone": ""}
        customer_update(
            customer=current,
            data=data,
            expected_version=current.version,
            user=agent,
            seen={"name": current.name, "email": current.email, "phone": ""},
        )
        edited[target.pk] = data["name"]

    assert _in_threads(work, 1 + len(others)) == []
    for pk, name in edited.items():  # each acknowledged edit is in the database
        assert Customer.objects.get(pk=pk).name == name
    assert Customer.objects.get(pk=keep.pk).tickets.count() == 60
    undo_merge(merge_id=merges[0].pk, force=True)
    assert all(o.tickets.count() == 20 for o in others)


@pytest.mark.django_db(transaction=True)
def test_two_parallel_ticket_saves_from_one_version_merge_different_fields(
    make_ticket, agent, lead
):
    ticket = make_ticket()
    seen = ticket.editable_values()
    changes = [{"priority": 1}, {"status": "pending"}]

    def save(i: int) -> None:
        ticket_update(
            ticket=ticket,
            seen=seen,
            values=seen | changes[i],
            expected_version=1,
            user=[agent, lead][i],
        )

    assert _in_threads(save, 2) == []
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status, ticket.version) == (1, "pending", 3)
    assert ticket.history.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_parallel_ticket_saves_of_one_field_save_one_and_report_the_conflict(
    make_ticket, agent, lead
):
    ticket = make_ticket()
    seen = ticket.editable_values()
    outcomes: dict[int, str] = {}

    def save(i: int) -> None:
        try:
            ticket_update(
                ticket=ticket,
                seen=seen,
                values=seen | {"priority": 1 + 3 * i},
                expected_version=1,
                user=[agent, lead][i],
            )
            outcomes[i] = "saved"
        except TicketConflict:
            outcomes[i] = "conflict"

    assert _in_threads(save, 2) == []
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(i for i, outcome in outcomes.items() if outcome == "saved")
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.version) == (1 + 3 * winner, 2)
