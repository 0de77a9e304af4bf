from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from customers.services import EditConflict, customer_update


def test_update_from_the_current_version_saves_and_records_the_user(
    make_customer, agent
):
    customer = make_customer(name="Ada")
    data = {"name": "Ada Lovelace", "email": customer.email, "phone": ""}
    saved = customer_update(
        customer=customer, data=data, expected_version=1, user=agent
    ).customer
    assert (saved.name, saved.version) == ("Ada Lovelace", 2)
    assert saved.history.first().history_user == agent


def test_two_updates_from_the_same_version_refuse_the_second(make_customer, agent):
    customer = make_customer(name="Ada")
    data = {"name": "First", "email": customer.email, "phone": ""}
    customer_update(customer=customer, data=data, expected_version=1, user=agent)
    with pytest.raises(EditConflict) as conflict:
        customer_update(
            customer=customer,
            data={**data, "name": "Second"},
            expected_version=1,
            user=agent,
        )
    assert conflict.value.current.name == "First"
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("First", 2)


def test_an_email_taken_meanwhile_is_a_validation_error(make_customer, agent):
    make_customer(email="taken@example.com")
    customer = make_customer()
    with pytest.raises(ValidationError) as error:
        customer_update(
            customer=customer,
            data={"name": "x", "email": "TAKEN@example.com", "phone": ""},
            expected_version=1,
            user=agent,
        )
    assert "already exists" in str(error.value)


def test_a_stale_save_keeps_the_field_only_a_colleague_changed(make_customer, agent):
    customer = make_customer(name="Ada", phone="555-0100")
    seen = {"name": "Ada", "email": customer.email, "phone": "555-0100"}
    customer_update(
        customer=customer,
        data={**seen, "phone": "555-0199"},
        expected_version=1,
        user=agent,
        seen=seen,
    )
    update = customer_update(
        customer=customer,
        data={**seen, "name": "Ada Lovelace"},
        expected_version=1,
        user=agent,
        seen=seen,
    )
    assert update.written == ["name"]
    assert update.kept_theirs == ["phone"]
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Ada Lovelace", "555-0199")


def test_a_stale_save_changing_the_same_field_is_a_conflict_and_writes_nothing(
    make_customer, agent
):
    customer = make_customer(name="Ada")
    seen = {"name": "Ada", "email": customer.email, "phone": ""}
    customer_update(
        customer=customer,
        data={**seen, "name": "Theirs"},
        expected_version=1,
        user=agent,
        seen=seen,
    )
    with pytest.raises(EditConflict) as conflict:
        customer_update(
            customer=customer,
            data={**seen, "name": "Mine"},
            expected_version=1,
            user=agent,
            seen=seen,
        )
    [clash] = conflict.value.result.conflicts
    assert (clash.field, clash.base, clash.mine, clash.theirs) == (
        "name",
        "Ada",
        "Mine",
        "Theirs",
    )
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("Theirs", 2)


def test_a_save_that_changes_nothing_writes_nothing(make_customer, agent):
    customer = make_customer(name="Ada")
    data = {"name": "Ada", "email": customer.email, "phone": ""}
    update = customer_update(
        customer=customer, data=data, expected_version=1, user=agent, seen=data
    )
    assert update.written == []
    customer.refresh_from_db()
    assert customer.version == 1
