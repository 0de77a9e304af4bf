"""customers/merging.py: merge into a chosen survivor, and undo it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from customers.merging import MergeRefused, merge_customers, undo_merge
from customers.models import Customer, CustomerMerge
from tickets.models import Ticket


def snapshot() -> list[tuple]:
    customers = list(
        Customer.objects.order_by("id").values_list(
            "id",
            "name",
            "email",
            "phone",
            "archived_at",
            "merged_into_id",
            "name_key",
            "email_key",
            "phone_key",
        )
    )
    tickets = list(Ticket.objects.order_by("id").values_list("id", "customer_id"))
    return customers + tickets


@pytest.fixture
def pair(make_customer, make_ticket):
    keep = make_customer(name="Ada Lovelace", email="ada@example.com", phone="")
    other = make_customer(name="Ada L.", email="ada.l@example.com", phone="555-0100")
    for _ in range(3):
        make_ticket(customer=other)
    make_ticket(customer=keep)
    return keep, other


def test_a_merge_moves_the_tickets_and_archives_the_other_marked_merged(pair, lead):
    keep, other = pair
    merge = merge_customers(
        survivor_id=keep.pk, other_ids=[other.pk], take={"phone": other.pk}, by=lead
    )
    keep.refresh_from_db()
    other.refresh_from_db()
    assert keep.phone == "555-0100" and keep.name == "Ada Lovelace"
    assert Ticket.objects.filter(customer=keep).count() == 4
    assert other.merged_into_id == keep.pk and other.is_archived
    assert merge.moved_count() == 3
    assert keep.history.first().history_change_reason == f"Merge of #{other.pk}"
    assert keep.history.first().history_user == lead


def test_undo_restores_every_row_as_it_was(pair, lead):
    keep, other = pair
    before = snapshot()
    merge = merge_customers(
        survivor_id=keep.pk,
        other_ids=[other.pk],
        take={"email": other.pk, "phone": other.pk},
    )
    assert Customer.objects.get(pk=keep.pk).email == "ada.l@example.com"
    undo_merge(merge_id=merge.pk, by=lead)
    assert snapshot() == before
    assert CustomerMerge.objects.get(pk=merge.pk).is_undone


def test_undo_refuses_after_a_later_edit_unless_forced(pair, make_ticket):
    keep, other = pair
    merge = merge_customers(survivor_id=keep.pk, other_ids=[other.pk])
    survivor = Customer.objects.get(pk=keep.pk)
    survivor.name = "Edited later"
    survivor.save()
    with pytest.raises(MergeRefused, match=f"customer #{keep.pk} was edited"):
        undo_merge(merge_id=merge.pk)
    assert Ticket.objects.filter(customer=keep).count() == 4  # nothing changed
    undo_merge(merge_id=merge.pk, force=True)
    assert Ticket.objects.filter(customer=other).count() == 3
    assert Customer.objects.get(pk=keep.pk).name == "Ada Lovelace"


@pytest.mark.parametrize(
    "case", ["itself", "archived", "merged", "into merged", "missing"]
)
def test_bad_merges_are_refused_and_change_nothing(pair, make_customer, case):
    keep, other = pair
    if case == "archived":
        keep.archive()
    if case in ("merged", "into merged"):
        third = make_customer()
        merge_customers(survivor_id=third.pk, other_ids=[other.pk])
    if case == "into merged":  # the survivor chosen is a merged record
        keep, other = other, keep
    before = snapshot()
    ids = {"itself": [keep.pk], "missing": [999_999]}.get(case, [other.pk])
    with pytest.raises(MergeRefused):
        merge_customers(survivor_id=keep.pk, other_ids=ids)
    assert snapshot() == before


def test_a_merge_refuses_records_changed_since_they_were_shown(pair):
    keep, other = pair
    with pytest.raises(MergeRefused, match="changed by someone"):
        merge_customers(
            survivor_id=keep.pk,
            other_ids=[other.pk],
            expected_versions={other.pk: other.version - 1 or 99},
        )


def test_the_command_dry_run_changes_nothing_and_then_merges(pair, lead):
    keep, other = pair
    out = io.StringIO()
    call_command(
        "merge_customers",
        keep.pk,
        other.pk,
        "--dry-run",
        "--take",
        f"phone={other.pk}",
        stdout=out,
    )
    assert "Move 3 of tickets.ticket.customer" in out.getvalue()
    assert "'555-0100'" in out.getvalue()
    assert not CustomerMerge.objects.exists()
    call_command(
        "merge_customers",
        keep.pk,
        other.pk,
        "--user",
        lead.username,
        stdout=io.StringIO(),
    )
    assert CustomerMerge.objects.get().created_by == lead


def test_the_command_explains_a_refusal(pair):
    keep, _other = pair
    with pytest.raises(CommandError, match="into itself"):
        call_command("merge_customers", keep.pk, keep.pk, stdout=io.StringIO())
    with pytest.raises(CommandError, match="FIELD=ID"):
        call_command("merge_customers", keep.pk, 2, "--take", "x", stdout=io.StringIO())
