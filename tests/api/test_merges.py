"""customer_flow/api/merges.py: merge customers and undo the merge over the API."""

from __future__ import annotations

from rest_framework.test import APIClient

from customers.models import Customer, CustomerMerge

URL = "/api/v1/customers/"


def test_a_lead_merges_two_customers_keeping_the_chosen_email(
    lead_api, make_customer, make_ticket
):
    keep = make_customer(name="Ana Lopez", email="ana@old.example")
    other = make_customer(name="Ana López", email="ana@new.example", phone="555 0101")
    ticket = make_ticket(customer=other)
    response = lead_api.post(
        f"{URL}{keep.pk}/merge/",
        {"others": [other.pk], "take": {"email": other.pk, "phone": other.pk}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    merge = CustomerMerge.objects.get()
    assert response.json()["merged_ids"] == [other.pk]
    assert response["Location"] == f"/api/v1/merges/{merge.pk}/"
    keep.refresh_from_db()
    other.refresh_from_db()
    ticket.refresh_from_db()
    assert (keep.name, keep.email, keep.phone) == (
        "Ana Lopez",
        "ana@new.example",
        "555 0101",
    )
    assert other.merged_into_id == keep.pk and other.archived_at is not None
    assert ticket.customer_id == keep.pk


def test_undo_puts_everything_back_once(lead_api, make_customer, make_ticket):
    keep = make_customer(email="k@example.com")
    other = make_customer(email="o@example.com")
    ticket = make_ticket(customer=other)
    merged = lead_api.post(
        f"{URL}{keep.pk}/merge/",
        {"others": [other.pk], "take": {"email": other.pk}},
        format="json",
    ).json()
    undone = lead_api.post(f"/api/v1/merges/{merged['id']}/undo/", {}, format="json")
    assert undone.status_code == 200, undone.json()
    assert undone.json()["undone_at"]
    keep.refresh_from_db()
    other.refresh_from_db()
    ticket.refresh_from_db()
    assert (keep.email, other.email, other.merged_into_id) == (
        "k@example.com",
        "o@example.com",
        None,
    )
    assert ticket.customer_id == other.pk
    again = lead_api.post(f"/api/v1/merges/{merged['id']}/undo/", {}, format="json")
    assert again.status_code == 409
    assert "already undone" in again.json()["detail"]


def test_a_refused_merge_is_409_and_changes_nothing(lead_api, make_customer):
    keep = make_customer()
    other = make_customer()
    into_itself = lead_api.post(
        f"{URL}{keep.pk}/merge/", {"others": [keep.pk]}, format="json"
    )
    assert into_itself.status_code == 409
    stale = lead_api.post(
        f"{URL}{keep.pk}/merge/",
        {"others": [other.pk], "versions": {str(other.pk): other.version + 5}},
        format="json",
    )
    assert stale.status_code == 409
    assert "changed by someone" in stale.json()["detail"]
    assert not CustomerMerge.objects.exists()
    assert Customer.objects.get(pk=other.pk).merged_into_id is None


def test_bad_input_names_the_field(lead_api, make_customer):
    keep = make_customer()
    other = make_customer()
    unknown = lead_api.post(
        f"{URL}{keep.pk}/merge/",
        {"others": [other.pk], "take": {"password": other.pk}},
        format="json",
    )
    assert unknown.status_code == 400
    assert "take" in unknown.json()
    empty = lead_api.post(f"{URL}{keep.pk}/merge/", {"others": []}, format="json")
    assert empty.status_code == 400 and "others" in empty.json()
    assert not CustomerMerge.objects.exists()


def test_merging_needs_the_merge_permission(agent_api, make_customer):
    keep = make_customer()
    other = make_customer()
    body = {"others": [other.pk]}
    assert (
        agent_api.post(f"{URL}{keep.pk}/merge/", body, format="json").status_code == 403
    )
    anonymous = APIClient().post(f"{URL}{keep.pk}/merge/", body, format="json")
    assert anonymous.status_code == 401
    assert not CustomerMerge.objects.exists()
