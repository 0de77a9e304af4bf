from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from customers.models import Customer


def test_database_refuses_an_email_differing_only_in_case(make_customer):
    make_customer(email="Ada@Example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="Other Ada", email="ada@example.COM")
    assert Customer.objects.count() == 1


def test_full_clean_names_the_customer_who_has_the_email(make_customer):
    owner = make_customer(email="ada@example.com")
    customer = Customer(name="Ada Again", email="ADA@example.com")
    with pytest.raises(ValidationError) as error:
        customer.full_clean()
    assert error.value.message_dict == {
        "email": [f"A customer with this email already exists (customer {owner.pk})."]
    }


def test_database_refuses_an_id_below_one(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(id=0, name="Zero", email="zero@example.com")


def test_hard_delete_is_refused_while_tickets_reference_the_customer(make_ticket):
    ticket = make_ticket()
    with pytest.raises(ProtectedError):
        ticket.customer.delete()
    assert Customer.objects.filter(pk=ticket.customer_id).exists()


def test_customer_without_tickets_can_be_hard_deleted(make_customer):
    customer = make_customer()
    customer.delete()
    assert not Customer.objects.exists()


def test_archive_hides_the_customer_from_active_and_restore_brings_it_back(
    make_ticket,
):
    ticket = make_ticket()
    customer = ticket.customer
    customer.archive()
    assert customer.archived_at is not None
    assert not Customer.objects.active().filter(pk=customer.pk).exists()
    assert Customer.objects.archived().get(pk=customer.pk).tickets.count() == 1
    customer.restore()
    assert Customer.objects.active().get(pk=customer.pk).archived_at is None


def test_every_save_raises_the_version(make_customer):
    customer = make_customer()
    assert customer.version == 1
    customer.name = "Renamed"
    customer.save()
    customer.archive()
    customer.refresh_from_db()
    assert customer.version == 3


def test_history_records_the_values_and_the_user_who_changed_them(
    client, admin_user, make_customer
):
    customer = make_customer(name="Before", email="before@example.com")
    client.force_login(admin_user)
    response = client.post(
        f"/admin/customers/customer/{customer.pk}/change/",
        {"name": "After", "email": "before@example.com", "phone": ""},
    )
    assert response.status_code == 302
    latest, previous = customer.history.all()[:2]
    assert latest.history_user == admin_user
    assert (previous.name, latest.name) == ("Before", "After")
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("name", "Before", "After")
    ]
