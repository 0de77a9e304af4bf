"""customers.importing.intake: files from other systems (empty rows, column
mapping), and the reading limits that keep them to one-line messages."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from customers.importing.intake import (
    choose_columns,
    parse_columns,
    signature,
    suggest,
)
from customers.models import ColumnMapping, Customer
from tests.importing import HEADER, messages, run, state

OTHER = "Customer ID;Full name;E-mail address;Telephone\n"


def test_excels_sep_line_names_the_delimiter_and_lines_stay_physical(db):
    report = run("sep=;\r\nID;Name;Email;Phone\r\n1;Ada;a@x.io;\r\n2;Bo;bad;\r\n")
    assert messages(report) == [
        "line 4, column Email: Enter a valid email address, like name@example.com. "
        '("bad")'
    ]
    report = run('"sep=,"\nID,Name,Email\n1,Ada,a@x.io\n')
    assert report.errors == [] and report.created == 1
    assert Customer.objects.get().name == "Ada"


def test_rows_with_every_cell_empty_are_skipped_with_a_counted_warning(db):
    report = run(HEADER + "1,Ada,a@x.io,\n,,,\n , ,,\n2,Bo,b@x.io,\n,,\n")
    assert report.errors == []
    assert "Skipped 3 rows with every cell empty (as a spreadsheet leaves them)." in (
        report.warnings
    )
    assert list(Customer.objects.values_list("name", flat=True)) == ["Ada", "Bo"]
    report = run(HEADER + "3,Cy,c@x.io,\n,,,\n")
    assert "Skipped 1 row with every cell empty (as a spreadsheet leaves them)." in (
        report.warnings
    )


def test_a_header_cell_over_131072_characters_is_refused_in_one_line(db):
    before = state()
    report = run("ID,Name,Email," + "X" * 140_000 + "\n1,A,a@x.io,\n")
    assert messages(report) == [
        "line 1: The header line is 140,015 bytes long: a header names the "
        "columns, like ID,Name,Email,Phone. Is this the right file?"
    ]
    assert state() == before


def test_a_value_of_two_megabytes_is_one_error_on_its_row(db):
    before = state()
    for name in ["A" * 2_000_000, '"' + "A" * 2_000_000 + '"']:
        report = run(HEADER + f"1,{name},a@x.io,\n")
        assert messages(report) == [
            "line 2, column Name: Ensure this value has at most 200 characters (it "
            f'has 2000000). ("{"A" * 60}…")'
        ]
    report = run(HEADER + f"1,{'A' * 200_000},a@x.io,,extra\n")
    assert messages(report) == [
        "line 2: This row has 5 fields but the header has 4 (an unquoted delimiter "
        "inside a value? Quote the value)."
    ]
    assert state() == before


# Column mapping ------------------------------------------------------------------


def test_known_aliases_suggest_a_mapping():
    header = ["Customer ID", "Full name", "E-mail address", "Telephone", "Notes"]
    assert suggest(header) == {
        "id": "Customer ID",
        "name": "Full name",
        "email": "E-mail address",
        "phone": "Telephone",
    }
    gmail = ["Name", "Given Name", "E-mail 1 - Value", "Phone 1 - Value"]
    assert suggest(gmail) == {
        "name": "Name",
        "email": "E-mail 1 - Value",
        "phone": "Phone 1 - Value",
    }


def test_a_file_with_other_headers_is_refused_with_the_mapping_to_give(db):
    report = run(OTHER + "1;Ada;a@x.io;555 0100 200\n")
    assert report.column_suggestion == {
        "id": "Customer ID",
        "name": "Full name",
        "email": "E-mail address",
        "phone": "Telephone",
    }
    assert report.exit_message() == (
        "File refused; nothing was written. Name its columns with --columns "
        '"ID=Customer ID,Name=Full name,Email=E-mail address,Phone=Telephone" '
        "(replace any ?; leave out ID= if it has no ID column)."
    )
    assert state() == ([], 0, 0)


def test_given_columns_import_the_file_and_list_the_unmapped_ones(db):
    columns = parse_columns("ID=Customer ID,Name=Full name,Email=E-mail address")
    report = run(
        OTHER.replace("\n", ";Notes\n") + "7;Ada;a@x.io;555;x\n", columns=columns
    )
    assert report.errors == []
    assert "Ignored unknown columns: Telephone, Notes." in report.warnings
    assert list(Customer.objects.values_list("id", "name", "email", "phone")) == [
        (7, "Ada", "a@x.io", "")
    ]


def test_a_file_without_id_column_matches_by_email_or_gets_new_ids(make_customer):
    make_customer(id=5, name="Old", email="ada@x.io")
    columns = {"name": "Name", "email": "E-mail Address"}
    report = run("Name,E-mail Address\nAda,ADA@x.io\nBo,bo@x.io\n", columns=columns)
    assert report.errors == []
    assert "No ID column: each row updates the customer with its email, or " in (
        " ".join(report.warnings)
    )
    assert list(Customer.objects.values_list("id", "name")) == [(5, "Ada"), (6, "Bo")]


def test_given_columns_that_are_not_in_the_file_are_refused(db):
    report = run(OTHER + "1;Ada;a@x.io;\n", columns={"name": "Nom", "email": "Mail"})
    assert messages(report) == [
        'line 1: The column "Nom" given for Name is not in the file (its columns: '
        "Customer ID, Full name, E-mail address, Telephone).",
        'line 1: The column "Mail" given for Email is not in the file (its '
        "columns: Customer ID, Full name, E-mail address, Telephone).",
    ]
    assert state() == ([], 0, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ID=A,Nme=B", '"Nme=B" is not FIELD=HEADER'),
        ("Name", '"Name" is not FIELD=HEADER'),
        ("Name=A,name=B", "Name is mapped twice."),
    ],
)
def test_bad_columns_options_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_columns(text)


def test_a_remembered_mapping_is_used_for_the_same_headers_and_said(db):
    header = ["Customer ID", "Full name", "E-mail address", "Telephone"]
    ColumnMapping.objects.create(
        signature=signature(header),
        header=header,
        columns={"id": "Customer ID", "name": "Full name", "email": "E-mail address"},
    )
    choice = choose_columns(
        [" customer id", "FULL NAME", "E-mail address", "Tel"], 1, None
    )
    assert choice.suggestion is not None  # other headers: not the same file
    report = run(OTHER + "1;Ada;a@x.io;555\n")
    assert report.errors == []
    assert (
        "Columns mapped as remembered for files with these headers: ID=Customer ID,"
        "Name=Full name,Email=E-mail address." in report.warnings
    )
    assert Customer.objects.get().name == "Ada"


def test_import_command_takes_columns(db, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(OTHER + "1;Ada;a@x.io;555 0100 200\n")
    with pytest.raises(CommandError, match='--columns "ID=Customer ID,Name=Full'):
        call_command(
            "import_customers", str(path), stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert not Customer.objects.exists()
    out = io.StringIO()
    call_command(
        "import_customers",
        str(path),
        columns="ID=Customer ID,Name=Full name,Email=E-mail address,Phone=Telephone",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert out.getvalue().strip() == "1 created, 0 updated, 0 unchanged, 0 invalid"
    assert Customer.objects.values_list("phone", flat=True).get() == "555 0100 200"
    with pytest.raises(CommandError, match='--columns: "Nope" is not FIELD=HEADER'):
        call_command(
            "import_customers", str(path), columns="Nope", stdout=io.StringIO()
        )
