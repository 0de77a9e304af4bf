from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from customers.models import Customer


@contextmanager
def read_only_database():
    """Make the database refuse writes the way a read-only mount or replica would."""
    on, off = {
        "sqlite": ("PRAGMA query_only = ON", "PRAGMA query_only = OFF"),
        "postgresql": (
            "SET default_transaction_read_only = on",
            "SET default_transaction_read_only = off",
        ),
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(on)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(off)


@pytest.mark.django_db(transaction=True)
def test_a_read_only_database_gives_a_clear_503_and_saves_nothing(admin_client):
    with read_only_database():
        response = admin_client.post(
            reverse("admin:customers_customer_add"),
            {"name": "Ada", "email": "ada@example.com", "phone": ""},
        )
    assert response.status_code == 503
    assert "Changes can't be saved right now" in response.text
    assert "Nothing from your last action was saved" in response.text
    assert not Customer.objects.exists()
    assert not Customer.history.exists()
