"""customers.importing.id_range: rows without ID when no free ID is left."""

from __future__ import annotations

from customers.models import Customer
from customers.validation import MAX_CUSTOMER_ID
from tests.importing import HEADER, messages, run, state


def test_a_blank_id_row_past_the_largest_id_is_refused_naming_its_row(make_customer):
    make_customer(id=MAX_CUSTOMER_ID, name="Last", email="last@x.io")
    before = state()
    report = run(HEADER + "5,Ada,a@x.io,\n,Bo,b@x.io,\n")
    assert messages(report) == [
        f"line 3, column ID: No free ID is left for this row: the highest ID is "
        f"{MAX_CUSTOMER_ID}, the largest possible; give the row an unused ID."
    ]
    assert "changed while" not in report.exit_message()
    assert state() == before


def test_only_the_rows_past_the_top_are_refused_and_others_import(make_customer):
    make_customer(id=MAX_CUSTOMER_ID - 1, name="Near", email="near@x.io")
    report = run(HEADER + ",Ada,a@x.io,\n,Bo,b@x.io,\n", skip_invalid=True)
    assert messages(report) == [
        f"line 3, column ID: No free ID is left for this row: the highest ID is "
        f"{MAX_CUSTOMER_ID - 1} and only 1 more fit below the largest possible, "
        f"{MAX_CUSTOMER_ID}; give the row an unused ID."
    ]
    assert report.created == 1 and report.invalid == 1
    assert Customer.objects.get(email="a@x.io").pk == MAX_CUSTOMER_ID


def test_a_blank_id_row_matching_an_email_needs_no_new_id(make_customer):
    make_customer(id=MAX_CUSTOMER_ID, name="Last", email="last@x.io")
    report = run(HEADER + ",Renamed,last@x.io,\n")
    assert report.errors == [] and report.updated == 1
