"""customer_flow.lib.bulk_sql: the bulk writer, sequences, deferred indexes."""

from __future__ import annotations

import pyarrow as pa
import pytest
from django.db import connection, transaction

from customer_flow.lib.bulk_sql import deferred_indexes, insert_rows, reset_id_sequences
from customers.models import Customer

# email_key: a row written by raw SQL gives its email identity (search keys default).
COLUMNS = [
    "id",
    "name",
    "email",
    "email_key",
    "phone",
    "created_at",
    "updated_at",
    "version",
]


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_automatic_id_follows_rows_written_with_explicit_ids():
    Customer.objects.bulk_create(
        [
            Customer(id=7, name="Seven", email="seven@example.com"),
            Customer(id=41, name="Forty-one", email="41@example.com"),
        ]
    )
    reset_id_sequences(Customer)
    new = Customer.objects.create(name="Next", email="next@example.com")
    assert new.id == 42


def test_deferred_indexes_rebuilds_every_index_after_the_block(db):
    def index_names() -> set[str]:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(
                cursor, Customer._meta.db_table
            )
        return {name for name, info in constraints.items() if info["index"]}

    before = index_names()
    with transaction.atomic(), deferred_indexes(Customer):
        inside = index_names()
    assert {i.name for i in Customer._meta.indexes} <= before
    assert not {i.name for i in Customer._meta.indexes} & inside
    assert index_names() == before


@pytest.mark.parametrize("shape", ["tuples", "pyarrow"])
def test_insert_rows_writes_every_row_and_moves_the_id_sequence_past_them(db, shape):
    stamp = "2026-01-02 03:04:05"
    rows = [
        (3, "Ann", "ann@example.com", "ann@example.com", "", stamp, stamp, 1),
        (9, 'Bo, "B"', "bo@example.com", "bo@example.com", "'+44 1", stamp, stamp, 1),
    ]
    if shape == "pyarrow":
        data = pa.table(
            {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}
        )
    else:
        data = iter(rows)
    insert_rows(Customer._meta.db_table, COLUMNS, data, model=Customer)
    assert list(Customer.objects.values_list("id", "name", "phone")) == [
        (3, "Ann", ""),
        (9, 'Bo, "B"', "'+44 1"),
    ]
    assert Customer.objects.create(name="Next", email="n@example.com").id == 10
