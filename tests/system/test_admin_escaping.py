from __future__ import annotations

import pytest
from django.urls import reverse

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def hostile_customer(make_customer, make_ticket):
    customer = make_customer(name=SCRIPT)
    customer.name = f"{SCRIPT} again"
    customer.save()  # a second history row, so the history diff shows both
    make_ticket(customer=customer, subject=SCRIPT)
    return customer


@pytest.mark.parametrize(
    "url",
    [
        lambda c: reverse("admin:customers_customer_changelist"),
        lambda c: reverse("admin:customers_customer_change", args=[c.pk]),
        lambda c: reverse("admin:customers_customer_history", args=[c.pk]),
        lambda c: reverse("admin:tickets_ticket_changelist"),
        lambda c: reverse("admin:tickets_ticket_change", args=[c.tickets.get().pk]),
    ],
    ids=["changelist", "change", "history", "tickets", "ticket"],
)
def test_admin_shows_a_script_in_a_name_as_text(admin_client, hostile_customer, url):
    response = admin_client.get(url(hostile_customer))
    assert response.status_code == 200
    assert SCRIPT not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
