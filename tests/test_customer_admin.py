"""customers/admin.py: the customer admin's form and actions."""

from __future__ import annotations

from django.urls import reverse

from customers.models import Customer


def test_admin_form_gives_the_shared_phone_message(admin_client):
    response = admin_client.post(
        reverse("admin:customers_customer_add"),
        {"name": "Excel", "email": "excel@example.com", "phone": "5.55E+09"},
    )
    assert response.status_code == 200
    assert "spreadsheet turned this phone number into a number" in response.text
    assert not Customer.objects.exists()


def test_admin_archive_action_archives_and_keeps_the_record(
    admin_client, make_customer
):
    customer = make_customer()
    response = admin_client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "archive", "_selected_action": [customer.pk]},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.archived_at is not None
