"""customers.importing.columns: the header of a file."""

from __future__ import annotations

from customers.models import Customer
from tests.importing import run


def test_headers_match_ignoring_case_spaces_bom_and_order(db):
    data = "\ufeff email ;NAME;  Id ;phone\nz@x.io;Zed;3;\n".encode()
    report = run(data)
    assert report.summary() == "1 created, 0 updated, 0 unchanged, 0 invalid"
    assert Customer.objects.get(pk=3).email == "z@x.io"


def test_unknown_columns_are_ignored_with_a_warning(db):
    report = run("ID,Name,Email,Notes,\n1,A,a@x.io,hello,\n")
    assert report.warnings == [
        "Ignored unknown columns: Notes, (unnamed column 5).",
        "No Phone column: existing customers keep their phone numbers.",
    ]
    assert report.created == 1


def test_without_a_phone_column_existing_phones_are_kept(make_customer):
    make_customer(id=1, name="A", email="a@x.io", phone="555-123-4567")
    report = run("ID,Name,Email\n1,A,a@x.io\n")
    assert report.summary() == "0 created, 0 updated, 1 unchanged, 0 invalid"
    assert Customer.objects.get().phone == "555-123-4567"
