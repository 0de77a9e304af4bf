from __future__ import annotations

from customer_flow.lib import changelog
from customers.models import Customer


def test_entries_list_who_changed_which_field_from_what_to_what(make_customer, agent):
    customer = make_customer(name="Ada", phone="")
    customer.name, customer.phone = "Ada Lovelace", "555-0100"
    customer._history_user = agent
    customer.save()
    newest, created = changelog.entries(customer.history.all())
    assert (created.kind, created.changes) == ("created", [])
    assert (newest.kind, newest.who) == ("changed", "agent")
    assert newest.changes == [
        changelog.Change("Name", "Ada", "Ada Lovelace"),
        changelog.Change("Phone", "—", "555-0100"),
    ]
    assert not newest.untracked


def test_a_change_to_a_bulk_written_row_says_earlier_values_are_unknown(
    make_customer,
):
    customer = make_customer(name="Ada")
    customer.history.all().delete()  # as if written by raw SQL, without history
    customer.name = "Ada Lovelace"
    customer.save()
    (entry,) = changelog.entries(Customer.objects.get(pk=customer.pk).history.all())
    assert entry.untracked and entry.changes == []


def test_entries_stop_at_the_limit_but_still_diff_the_oldest_shown(make_customer):
    customer = make_customer(name="v0")
    for n in range(1, 6):
        customer.name = f"v{n}"
        customer.save()
    entries = changelog.entries(customer.history.all(), limit=3)
    assert [e.changes[0].new for e in entries] == ["v5", "v4", "v3"]
    assert entries[-1].changes[0].old == "v2"


def test_entries_say_why_when_the_history_row_does(make_customer, agent):
    customer = make_customer(name="Ada")
    customer.name = "Ada Lovelace"
    customer._change_reason = "Undo of import #3"
    customer.save()
    newest, created = changelog.entries(customer.history.all())
    assert (newest.reason, created.reason) == ("Undo of import #3", "")
