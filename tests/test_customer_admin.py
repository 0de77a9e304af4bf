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


def test_admin_stale_save_keeps_a_colleagues_field_and_shows_true_conflicts(
    admin_client, make_customer
):
    customer = make_customer(name="Ada", email="ada@example.com", phone="")
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = admin_client.get(url).context["adminform"].form
    base = {
        "base_version": customer.version,
        "seen": form["seen"].value(),
        "name": "Ada",
        "email": "ada@example.com",
        "phone": "",
    }
    customer.phone = "555-0100"  # a colleague's save meanwhile
    customer.save()

    assert admin_client.post(url, {**base, "name": "Ada Lovelace"}).status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Ada Lovelace", "555-0100")

    conflict = admin_client.post(url, {**base, "name": "Ada King"})
    assert conflict.status_code == 200
    assert "changed this to “Ada Lovelace”" in conflict.text
    customer.refresh_from_db()
    assert customer.name == "Ada Lovelace"
