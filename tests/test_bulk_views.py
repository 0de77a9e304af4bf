"""customers/bulk.py and bulk_views.py: bulk actions on the customer list."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from customers.models import Customer

BULK = reverse("customers:bulk")


def test_archive_selected_asks_first_then_archives_with_history(
    lead_client, make_customer, lead
):
    customers = [make_customer(name=f"Bulk {n}") for n in range(3)]
    ids = [c.pk for c in customers[:2]]
    confirm = lead_client.post(BULK, {"action": "archive", "ids": ids})
    assert confirm.status_code == 200
    assert "Archive 2 customers?" in confirm.text
    assert not Customer.objects.archived().exists()
    done = lead_client.post(BULK, {"action": "archive", "ids": ids, "confirm": "yes"})
    assert done.status_code == 302
    assert set(Customer.objects.archived().values_list("pk", flat=True)) == set(ids)
    latest = Customer.objects.get(pk=ids[0]).history.first()
    assert latest.history_change_reason == "Bulk archive of 2"
    assert latest.history_user == lead


def test_all_matching_the_search_are_archived_and_restored(lead_client, make_customer):
    for n in range(4):
        make_customer(name=f"Jiménez {n}")
    make_customer(name="Someone Else")
    form = {"action": "archive", "everything": "yes", "q": "JIMENEZ", "confirm": "yes"}
    lead_client.post(BULK, form)
    assert Customer.objects.archived().count() == 4
    form = {**form, "action": "restore", "status": "archived"}
    lead_client.post(BULK, form)
    assert Customer.objects.archived().count() == 0


def test_customers_changed_since_the_list_was_loaded_are_left_alone(
    lead_client, make_customer
):
    loaded_at = timezone.now() - timedelta(minutes=5)
    changed = make_customer(name="Changed later")
    form = {"action": "archive", "ids": [changed.pk], "loaded_at": loaded_at}
    confirm = lead_client.post(BULK, form)
    assert "changed since you loaded the list" in confirm.text
    lead_client.post(BULK, {**form, "confirm": "yes"})
    assert not Customer.objects.archived().exists()
    lead_client.post(BULK, {**form, "confirm": "yes", "include_changed": "yes"})
    assert Customer.objects.archived().count() == 1


def test_export_and_merge_of_a_selection(lead_client, make_customer):
    one, two = make_customer(name="One"), make_customer(name="Two")
    export = lead_client.post(BULK, {"action": "export", "ids": [one.pk]})
    body = b"".join(export.streaming_content).decode()
    assert "One" in body and "Two" not in body
    merge = lead_client.post(BULK, {"action": "merge", "ids": [one.pk, two.pk]})
    assert merge.status_code == 302
    assert f"ids={one.pk}&ids={two.pk}" in merge["Location"]


def test_bulk_actions_need_their_permission(agent_client, make_customer):
    customer = make_customer()
    response = agent_client.post(BULK, {"action": "archive", "ids": [customer.pk]})
    assert response.status_code == 403
    assert agent_client.post(BULK, {"action": "explode"}).status_code == 400
    assert agent_client.get(BULK).status_code == 405


def test_the_list_offers_selection_to_leads(lead_client, make_customer):
    make_customer()
    assert 'name="ids"' in lead_client.get(reverse("customers:list")).text


def test_the_list_offers_no_selection_to_agents(agent_client, make_customer):
    make_customer()
    assert 'name="ids"' not in agent_client.get(reverse("customers:list")).text
