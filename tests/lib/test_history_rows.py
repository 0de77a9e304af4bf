"""customer_flow.lib.history_rows: history rows copied by the database."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection

from customer_flow.lib.history_rows import Copied, insert_history_rows
from customers.models import Customer


def test_one_history_row_per_source_row_with_the_given_and_copied_values(
    make_customer, admin_user
):
    ada = make_customer(name="Ada", email="ada@example.com")
    make_customer(name="Bob", email="bob@example.com")
    Customer.history.all().delete()
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        written = insert_history_rows(
            cursor,
            Customer,
            source=f"{table} AS c WHERE c.id = %s",
            params=[ada.pk],
            history_type="~",
            date=when,
            reason="Because",
            user_id=admin_user.pk,
            values={"name": "Ada as given"},
        )
    assert written == 1
    row = Customer.history.get()
    assert (row.id, row.name, row.email, row.history_type) == (
        ada.pk,
        "Ada as given",
        "ada@example.com",
        "~",
    )
    assert (row.history_date, row.history_change_reason, row.history_user) == (
        when,
        "Because",
        admin_user,
    )


def test_the_date_can_be_copied_from_a_column(make_customer):
    ada = make_customer(name="Ada", email="ada@example.com")
    Customer.history.all().delete()
    table = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        insert_history_rows(
            cursor,
            Customer,
            source=f"{table} AS c",
            history_type="+",
            date=Copied("created_at"),
        )
    row = Customer.history.get()
    assert (row.history_date, row.history_user, row.import_batch) == (
        ada.created_at,
        None,
        None,
    )
