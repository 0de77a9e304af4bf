"""customers.importing.pipeline: files imported whole, or refused with every
problem named."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from customers import validation
from customers.exporting import write_customers_csv
from customers.models import Customer, ImportBatch
from tests.importing import FILES, HEADER, messages, run, state

# Happy paths --------------------------------------------------------------------


def test_the_briefs_fixture_imports_cleanly(db, admin_user):
    report = run((Path(django_settings.BASE_DIR) / "fixtures/id.csv").read_bytes())
    assert report.errors == [] and report.warnings == []
    assert report.summary() == "2 created, 0 updated, 0 unchanged, 0 invalid"
    assert list(Customer.objects.values_list("id", "name", "email", "phone")) == [
        (1, "John Doe", "john.doe@example.com", "555-123-4567"),
        (2, "Jane Smith", "jane.smith@example.com", "555-987-6543"),
    ]


def test_dry_run_reports_what_would_change_and_writes_nothing(make_customer):
    make_customer(id=1, name="A", email="a@x.io")
    before = state()
    report = run(HEADER + "1,A2,a@x.io,\n2,B,b@x.io,\n", dry_run=True)
    assert report.summary() == "would be 1 created, 1 updated, 0 unchanged, 0 invalid"
    assert state() == before


def test_skip_invalid_writes_the_valid_rows_and_reports_the_others(db):
    report = run(HEADER + "1,A,a@x.io,\n2,,b@x.io,\n3,C,c@x.io,\n", skip_invalid=True)
    assert report.summary() == "2 created, 0 updated, 0 unchanged, 1 invalid"
    assert messages(report) == ['line 3, column Name: This field is required. ("")']
    assert list(Customer.objects.values_list("id", flat=True)) == [1, 3]
    assert ImportBatch.objects.get().mode == ImportBatch.Mode.SKIP_INVALID


# Refused files: the message, and nothing written --------------------------------


REFUSED = [
    pytest.param(
        b"",
        [
            "line 1: The file is empty: expected a header line ID,Name,Email,Phone "
            "and one row per customer."
        ],
        id="empty",
    ),
    pytest.param(
        b"Name,Email\nA,a@x.io\n",
        [
            "line 1: Missing column ID (found: Name, Email). The header must name ID, "
            "Name and Email; Phone is optional."
        ],
        id="missing-column",
    ),
    pytest.param(
        b"ID,Name,Email,EMAIL\n",
        ["line 1: The Email column appears twice (columns 3 and 4)."],
        id="duplicate-column",
    ),
    pytest.param(
        (HEADER + "1,A,a@x.io,\n2,B,b@x.io,\n1,C,A@X.io,\n").encode(),
        [
            "line 2, column ID: The ID 1 is also on line 4.",
            "line 2, column Email: The email a@x.io is also on line 4 (emails must "
            "be unique ignoring case).",
            "line 4, column ID: The ID 1 is also on line 2.",
            "line 4, column Email: The email A@X.io is also on line 2 (emails must "
            "be unique ignoring case).",
        ],
        id="duplicates-in-file",
    ),
    pytest.param(
        (HEADER + "0,A,a@x.io,\n4.0,B,b@x.io,\n-3,C,c@x.io,\nx,D,d@x.io,\n").encode(),
        [
            'line 2, column ID: The ID must be 1 or more. ("0")',
            "line 3, column ID: Looks like a spreadsheet stored this ID as a decimal "
            "number (4.0); write it as 4, or format the column as text and export "
            'again. ("4.0")',
            'line 4, column ID: The ID must be a whole number such as 42. ("-3")',
            'line 5, column ID: The ID must be a whole number such as 42. ("x")',
        ],
        id="bad-ids",
    ),
    pytest.param(
        (HEADER + "1,A,a@x.io,5.55E+09\n2,B,b@x.io,call me\n3,C,c@x.io,123\n").encode(),
        [
            "line 2, column Phone: Looks like a spreadsheet turned this phone number "
            "into a number (5.55E+09); format the column as text and export again. "
            '("5.55E+09")',
            "line 3, column Phone: Enter a phone number using digits, spaces and + ( "
            ') - . / only, with an optional extension like x123. ("call me")',
            "line 4, column Phone: A phone number needs 7 to 15 digits (this one has "
            '3). ("123")',
        ],
        id="bad-phones",
    ),
    pytest.param(
        (
            HEADER
            + "1,,a@x.io,\n2,B\x00,b@x.io,\n3,C,not-an-email,\n4,Ã©mile,e@x.io,\n"
        ).encode(),
        [
            'line 2, column Name: This field is required. ("")',
            "line 3, column Name: Contains the invisible control character U+0000; "
            'remove it. ("B\\u0000")',
            "line 4, column Email: Enter a valid email address, like "
            'name@example.com. ("not-an-email")',
            "line 5, column Name: Looks garbled by a wrong encoding (Ã©, as when é "
            "shows as Ã©); correct the text, or the encoding of the file it came "
            'from. ("Ã©mile")',
        ],
        id="bad-values",
    ),
    pytest.param(
        (HEADER + '1,"Doe, John",j@x.io,\n2,Doe, Jane,jane@x.io,\n').encode(),
        [
            "line 3: This row has 5 fields but the header has 4 (an unquoted "
            "delimiter inside a value? Quote the value)."
        ],
        id="unquoted-comma",
    ),
    pytest.param(
        (HEADER + '1,"Ann,a@x.io,\n2,B,b@x.io,\n').encode(),
        ['line 2: A quoted value starts here and is never closed: a " is missing.'],
        id="unterminated-quote",
    ),
    pytest.param(
        (HEADER + '1,"Ann" Lee,a@x.io,\n').encode(),
        [
            "line 2, column Name: Text after a closing quote: a quote inside a "
            'quoted value must be doubled ("").'
        ],
        id="stray-quote",
    ),
    pytest.param(
        (HEADER + "1,Zoë,z@x.io,\n").encode("cp1252"),
        [
            "line 2: This file is not UTF-8: byte 0xEB cannot be read; it looks like "
            "Windows-1252: use --encoding cp1252."
        ],
        id="windows-1252",
    ),
    pytest.param(
        (FILES / "workbook.xlsx").read_bytes(),
        [
            "line 1: This is a zip file such as an Excel workbook (.xlsx), not a CSV "
            "file: save it as CSV UTF-8 (comma delimited) and import that."
        ],
        id="xlsx",
    ),
]


@pytest.mark.parametrize(("data", "expected"), REFUSED)
def test_a_refused_file_names_every_problem_and_writes_nothing(
    make_customer, data, expected
):
    make_customer(id=1, name="Existing", email="existing@x.io")
    before = state()
    report = run(data)
    assert messages(report) == expected
    assert report.refused and not report.written
    assert state() == before


def test_one_bad_row_deep_in_a_large_file_refuses_it_all(db):
    rows = [f"{i},Customer {i},c{i}@example.com,555-{i:07d}" for i in range(1, 20001)]
    rows[17_345] = "17346,Customer,bad-email,555-0000000"
    report = run(HEADER + "\n".join(rows) + "\n")
    assert messages(report) == [
        "line 17347, column Email: Enter a valid email address, like "
        'name@example.com. ("bad-email")'
    ]
    assert not Customer.objects.exists()
    report = run(HEADER + "\n".join(rows) + "\n", skip_invalid=True)
    assert report.summary() == "19999 created, 0 updated, 0 unchanged, 1 invalid"


def test_a_file_read_in_many_chunks_names_duplicates_far_apart_on_both_lines(
    make_customer, monkeypatch, tmp_path
):
    from customers.importing import csv_reading

    monkeypatch.setattr(csv_reading, "CHUNK_BYTES", 200)  # about five rows a chunk
    make_customer(id=5000, name="Taken", email="taken@x.io")
    rows = [f"{i},Customer {i},c{i}@example.com,0555 {i:06d}" for i in range(1, 301)]
    rows[9] = "10,Customer 10,SAME@example.com,0555 000010"
    rows[289] = "290,Customer 290,same@example.com,0555 000290"
    rows[199] = "2,Customer 200,c200@example.com,0555 000200"
    rows[149] = "150,Customer 150,taken@x.io,0555 000150"
    rows[99] = "100,Customer 100,c100@example.com,555000100"
    report = run(HEADER + "\n".join(rows) + "\n", skip_invalid=True)
    assert messages(report) == [
        "line 3, column ID: The ID 2 is also on line 201.",
        "line 11, column Email: The email SAME@example.com is also on line 291 "
        "(emails must be unique ignoring case).",
        "line 101, column Phone: " + validation_lost_zero("555000100"),
        "line 151, column Email: "
        + validation.EMAIL_TAKEN % {"id": 5000}
        + ' ("taken@x.io")',
        "line 201, column ID: The ID 2 is also on line 3.",
        "line 291, column Email: The email same@example.com is also on line 11 "
        "(emails must be unique ignoring case).",
    ]
    assert report.summary() == "294 created, 0 updated, 0 unchanged, 6 invalid"
    assert [line for line, _cells, _reasons in report.rejected] == [
        3,
        11,
        101,
        151,
        201,
        291,
    ]
    assert report.rejected[0][1] == ["2", "Customer 2", "c2@example.com", "0555 000002"]
    assert Customer.objects.count() == 295


def validation_lost_zero(phone: str) -> str:
    from customers.importing.rules import LOST_ZERO

    return f'{LOST_ZERO} ("{phone}")'


def test_header_only_file_imports_nothing_with_a_warning(db):
    report = run(HEADER)
    assert report.summary() == "0 created, 0 updated, 0 unchanged, 0 invalid"
    assert report.warnings == ["The file has a header but no rows."]


@pytest.mark.parametrize(
    "name",
    ["semicolon-crlf.csv", "utf16.csv", "tab-quoted-multiline.csv", "excel-bom.csv"],
)
def test_awkward_but_valid_files_import(db, name):
    report = run((FILES / name).read_bytes())
    assert report.errors == []
    assert list(Customer.objects.values_list("id", "name", "email", "phone")) == [
        (1, "Zoë O'Brien, Jr.", "zoe@example.com", "+44 20 7946 0958"),
        (2, "Line\nBreak", "lb@example.com", "0123 456789"),
    ]


# Round trip ----------------------------------------------------------------------

name_text = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=["Cs", "Cc", "Zl", "Zp"], blacklist_characters="ÂÃÄÅâ"
        )
        | st.sampled_from(list("=+-@'\",;\n")),
        min_size=1,
        max_size=20,
    )
    .map(validation.normalize)
    .filter(bool)
)
customers = st.lists(
    st.tuples(
        name_text,
        st.sampled_from(["", "+44 20 7946 0958", "0123 456789", "(555) 123-4567"]),
        st.sampled_from(["", "=", "-", "+", "'"]),
    ),
    max_size=12,
)


@pytest.mark.slow
@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(rows=customers)
def test_export_import_export_is_byte_identical(rows):
    Customer.history.all().delete()
    Customer.objects.all().delete()
    for index, (name, phone, prefix) in enumerate(rows, start=1):
        Customer.objects.create(
            id=index * 3, name=name, email=f"{prefix}c{index}@example.com", phone=phone
        )
    first = io.StringIO()
    write_customers_csv(Customer.objects.all(), first)
    again = run(first.getvalue())
    assert again.summary() == f"0 created, 0 updated, {len(rows)} unchanged, 0 invalid"

    Customer.objects.all().delete()
    report = run(first.getvalue())
    assert report.errors == []
    second = io.StringIO()
    write_customers_csv(Customer.objects.all(), second)
    assert second.getvalue() == first.getvalue()
