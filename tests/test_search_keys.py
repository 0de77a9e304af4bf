"""The stored keys are kept in step by every writer, and the email identity is
unique in the database itself."""

from __future__ import annotations

import io
import unicodedata

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from customers.importing import import_customers
from customers.importing.reverting import revert_import
from customers.models import Customer, ImportBatch
from customers.search_keys import KEY_FIELDS, keys_of


def stored_keys(customer: Customer) -> dict[str, str]:
    row = Customer.objects.values(*KEY_FIELDS).get(pk=customer.pk)
    return dict(row)


def assert_keys_in_step() -> None:
    for customer in Customer.objects.all():
        expected = keys_of(customer.name, customer.email, customer.phone)
        assert stored_keys(customer) == expected, customer


def test_save_fills_the_keys_and_update_fields_keeps_them_in_step(make_customer):
    customer = make_customer(name="José Jiménez", email="JOSE@Example.es")
    customer.name = "Jürgen Nørgaard"
    customer.save(update_fields=["name", "updated_at"])
    assert stored_keys(customer)["name_key"] == "jurgen norgaard"
    assert_keys_in_step()


@pytest.mark.parametrize(
    "other",
    [
        "äda@x.de",
        "ÄDA@x.de",
        unicodedata.normalize("NFD", "äda@x.de"),
        "ÄDA@X.DE",
    ],
)
def test_the_database_refuses_the_same_address_in_another_case_or_form(
    make_customer, other
):
    make_customer(email="Äda@x.de")
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(name="Other", email=other)


def test_the_form_names_the_customer_that_has_the_address(agent_client, make_customer):
    # (Django's email rule allows non-ASCII letters in the domain only.)
    first = make_customer(email="ADA@BÜCHER.de")
    response = agent_client.post(
        reverse("customers:create"), {"name": "Ada", "email": "ada@xn--bcher-kva.de"}
    )
    assert response.status_code == 200
    assert "A customer with this email already exists" in response.text
    assert response.context["form"].errors["email"] == [
        f"A customer with this email already exists (customer {first.pk})."
    ]
    assert Customer.objects.count() == 1


def test_an_import_matches_the_same_address_and_refuses_it_twice_in_a_file(
    make_customer,
):
    existing = make_customer(name="Ada", email="ADA@BÜCHER.de")
    report = import_customers(
        io.BytesIO("ID,Name,Email\n,Ada Lovelace,ada@bücher.DE\n".encode())
    )
    assert report.updated == 1 and report.created == 0
    existing.refresh_from_db()
    assert existing.name == "Ada Lovelace"
    nfd = unicodedata.normalize("NFD", "b@bé.de")
    report = import_customers(
        io.BytesIO(f"ID,Name,Email\n,B,b@bé.de\n,C,{nfd.upper()}\n".encode()),
    )
    assert report.errors and not report.written
    assert "also on line" in report.errors[0].message


def test_imported_and_reverted_customers_have_their_keys(make_customer):
    make_customer(name="Old Name", email="old@example.com", phone="555 0100")
    report = import_customers(
        io.BytesIO(
            (
                "ID,Name,Email,Phone\n"
                "1,Ana María Nørgaard,Asa@Bücher.de,+33 1 23 45 67 89\n"
                ",JÜRGEN Klopp,jk@example.de,\n"
            ).encode()
        )
    )
    assert report.written, report.errors
    assert_keys_in_step()
    assert [c.name for c in Customer.objects.search("norgaard")] == [
        "Ana María Nørgaard"
    ]
    assert [c.name for c in Customer.objects.search("jurgen")] == ["JÜRGEN Klopp"]
    revert_import(batch=ImportBatch.objects.get(pk=report.batch_id), user=None)
    assert_keys_in_step()
    assert [c.name for c in Customer.objects.search("old")] == ["Old Name"]


def test_the_admin_search_is_the_staff_search(admin_client, make_customer):
    make_customer(name="José Jiménez")
    make_customer(name="Someone Else")
    url = reverse("admin:customers_customer_changelist")
    for text in ("jimenez", "JIMÉNEZ", "jiménez"):
        response = admin_client.get(url, {"q": text})
        assert "José Jiménez" in response.text
        assert "Someone Else" not in response.text
