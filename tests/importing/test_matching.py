"""customers.importing.matching: rows matched to customers by ID or email."""

from __future__ import annotations

from customers.models import Customer, ImportBatch
from tests.importing import HEADER, messages, run, state


def test_new_id_creates_known_id_updates_identical_row_is_unchanged(
    make_customer, admin_user
):
    make_customer(id=1, name="Ada", email="ada@example.com", phone="")
    make_customer(id=2, name="Bob", email="bob@example.com", phone="")
    report = run(
        HEADER + "1,Ada,ada@example.com,\n2,Bobby,bob@example.com,\n7,Cy,cy@x.io,\n",
        user=admin_user,
        file_name="id.csv",
    )
    assert report.summary() == "1 created, 1 updated, 1 unchanged, 0 invalid"
    assert list(Customer.objects.values_list("id", "name", "version")) == [
        (1, "Ada", 1),
        (2, "Bobby", 2),
        (7, "Cy", 1),
    ]
    batch = ImportBatch.objects.get()
    assert (batch.created_by, batch.file_name, batch.created, batch.updated) == (
        admin_user,
        "id.csv",
        1,
        1,
    )
    assert report.batch_id == batch.pk
    history = Customer.history.filter(import_batch=batch).order_by("id")
    assert [(h.id, h.history_type, h.name, h.history_user) for h in history] == [
        (2, "~", "Bobby", admin_user),
        (7, "+", "Cy", admin_user),
    ]


def test_empty_id_creates_with_the_next_free_id_or_updates_the_emails_owner(
    make_customer,
):
    make_customer(id=5, name="Ada", email="Ada@Example.com")
    report = run(
        HEADER
        + ",Ada Lovelace,ada@example.COM,\n,New,new@example.com,\n9,Nine,9@x.io,\n"
    )
    assert report.summary() == "2 created, 1 updated, 0 unchanged, 0 invalid"
    assert list(Customer.objects.values_list("id", "name", "email")) == [
        (5, "Ada Lovelace", "ada@example.COM"),
        (9, "Nine", "9@x.io"),
        (10, "New", "new@example.com"),
    ]


def test_two_customers_can_swap_emails(make_customer):
    make_customer(id=1, name="A", email="a@x.io")
    make_customer(id=2, name="B", email="b@x.io")
    report = run(HEADER + "1,A,B@x.io,\n2,B,a@x.io,\n")
    assert report.summary() == "0 created, 2 updated, 0 unchanged, 0 invalid"
    assert list(Customer.objects.values_list("id", "email")) == [
        (1, "B@x.io"),
        (2, "a@x.io"),
    ]


def test_archived_customers_are_updated_and_stay_archived(make_customer):
    customer = make_customer(id=4, name="A", email="a@x.io")
    customer.archive()
    report = run(HEADER + "4,A2,a@x.io,\n")
    assert report.warnings == [
        "1 row update archived customers (4); they stay archived."
    ]
    customer.refresh_from_db()
    assert customer.name == "A2" and customer.archived_at is not None


def test_email_taken_by_another_customer_in_the_database_is_refused(make_customer):
    make_customer(id=1, name="A", email="a@x.io")
    before = state()
    report = run(HEADER + "2,B,A@x.IO,\n")
    assert messages(report) == [
        "line 2, column Email: A customer with this email already exists "
        '(customer 1). ("A@x.IO")'
    ]
    assert state() == before


def test_email_case_is_compared_beyond_ascii(make_customer):
    make_customer(id=1, name="A", email="ada@ÉCOLE.fr")
    report = run(HEADER + "2,B,ada@école.fr,\n")
    assert messages(report) == [
        "line 2, column Email: A customer with this email already exists "
        '(customer 1). ("ada@école.fr")'
    ]


def test_a_customer_matched_by_id_and_by_email_in_one_file_is_refused(
    make_customer,
):
    make_customer(id=1, name="A", email="a@x.io")
    report = run(HEADER + "1,A,new@x.io,\n,A again,a@x.io,\n")
    assert messages(report) == [
        "line 2, column ID: This row matches customer 1 by its ID, and so does line 3.",
        "line 3, column Email: This row matches customer 1 by its email, and so "
        "does line 2.",
    ]
