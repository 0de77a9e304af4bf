"""customers/merge_views.py: duplicates, merging side by side, undoing a merge."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from customers.models import Customer, CustomerMerge
from tickets.models import Ticket

DUPLICATES = reverse("customers:duplicates")
MERGE = reverse("customers:merge")


@pytest.fixture
def pair(make_customer, make_ticket):
    keep = make_customer(name="Ada Lovelace", email="ada@example.com", phone="555 0100")
    other = make_customer(
        name="ADA LOVELACE", email="ada2@example.com", phone="5550100"
    )
    make_ticket(customer=other)
    return keep, other


def test_duplicates_page_groups_customers_sharing_phone_digits(lead_client, pair):
    response = lead_client.get(DUPLICATES)
    assert response.status_code == 200
    keep, other = pair
    assert f"#{keep.pk} Ada Lovelace" in response.text
    assert f"#{other.pk} ADA LOVELACE" in response.text


def test_the_customer_page_names_possible_duplicates(lead_client, pair):
    keep, other = pair
    response = lead_client.get(keep.get_absolute_url())
    assert "Possible duplicates" in response.text
    assert f"#{other.pk} ADA LOVELACE" in response.text


def test_merge_page_shows_the_records_side_by_side(lead_client, pair):
    keep, other = pair
    response = lead_client.get(MERGE, {"ids": [keep.pk, other.pk]})
    assert response.status_code == 200
    assert "ada2@example.com" in response.text and "ada@example.com" in response.text


def test_merge_then_undo_from_the_pages(lead_client, pair):
    keep, other = pair
    response = lead_client.post(
        MERGE,
        {
            "ids": f"{keep.pk} {other.pk}",
            "survivor": keep.pk,
            "take_name": other.pk,
            "take_email": keep.pk,
            "take_phone": keep.pk,
            f"version_{keep.pk}": keep.version,
            f"version_{other.pk}": other.version,
        },
        follow=True,
    )
    assert "Undo this merge" in response.text
    assert Customer.objects.get(pk=keep.pk).name == "ADA LOVELACE"
    assert Ticket.objects.filter(customer=keep).count() == 1
    merge = CustomerMerge.objects.get()
    undo = reverse("customers:merge_undo", args=[merge.pk])
    assert lead_client.get(undo).status_code == 200
    assert lead_client.post(undo).status_code == 302
    assert Customer.objects.get(pk=keep.pk).name == "Ada Lovelace"
    assert Ticket.objects.filter(customer=other).count() == 1


def test_a_merge_into_itself_is_refused_with_a_message(lead_client, pair):
    keep, _other = pair
    response = lead_client.post(MERGE, {"ids": f"{keep.pk}", "survivor": keep.pk})
    assert response.status_code == 400
    assert "cannot be merged into itself" in response.text or "at least one" in (
        response.text
    )
    assert not CustomerMerge.objects.exists()


def test_merge_pages_need_the_merge_permission(agent_client, pair):
    anonymous = Client()
    for url in (DUPLICATES, MERGE, reverse("customers:merge_undo", args=[1])):
        assert agent_client.get(url).status_code == 403
        assert anonymous.get(url).status_code == 302


def test_duplicates_page_lists_name_groups_and_pages_largest_first(
    lead_client, make_customer, django_assert_max_num_queries
):
    for n in range(60):
        make_customer(name="Twin", email=f"twin{n}@example.com", phone=f"555 1{n:03}")
        make_customer(name="Twin", email=f"twin{n}@example.org")
    make_customer(name="Ada", email="ada@example.com", phone="555 9000")
    make_customer(name="Ada", email="ada2@example.com", phone="5559000")
    make_customer(name="Ada", email="ada3@example.com", phone="5559000")
    with django_assert_max_num_queries(8):
        first = lead_client.get(DUPLICATES)
    assert first.status_code == 200
    assert first.text.index("5559000") < first.text.index("twin twin0")
    assert "Same name and email name" in first.text
    assert 'href="?page=2"' in first.text
    second = lead_client.get(DUPLICATES, {"page": "2"})
    assert second.text.count("Compare and merge") == 11
    assert lead_client.get(DUPLICATES, {"page": "x'%"}).status_code == 200
