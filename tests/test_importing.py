from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers import validation
from customers.exporting import write_customers_csv
from customers.importing import (
    FAST_PATTERNS,
    clean_cell,
    fast_check,
    import_customers,
    write_rejected_rows,
)
from customers.models import Customer, ImportBatch

FILES = Path(__file__).parent / "files"
HEADER = "ID,Name,Email,Phone\n"


def state() -> tuple:
    """Everything an import may write, to assert that nothing changed."""
    return (
        list(Customer.objects.values_list("id", "name", "email", "phone", "version")),
        Customer.history.count(),
        ImportBatch.objects.count(),
    )


def run(text: str | bytes, **options):
    data = text.encode() if isinstance(text, str) else text
    return import_customers(io.BytesIO(data), **options)


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


# Happy paths --------------------------------------------------------------------


def test_the_briefs_fixture_imports_cleanly(db, admin_user):
    report = run((Path(django_settings.BASE_DIR) / "fixtures/id.csv").read_bytes())
    assert report.errors == [] and report.warnings == []
    assert report.summary() == "2 created, 0 updated, 0 unchanged, 0 invalid"
    assert list(Customer.objects.values_list("id", "name", "email", "phone")) == [
        (1, "John Doe", "john.doe@example.com", "555-123-4567"),
        (2, "Jane Smith", "jane.smith@example.com", "555-987-6543"),
    ]


def test_new_id_creates_known_id_updates_identical_row_is_unchanged(
    make_customer, admin_user
):
    make_customer(id=1, name="Ada", email="ada@example.com", phone="")
    make_customer(id=2, name="Bob", email="bob@example.com", phone="")
    report = run(
        HEADER + "1,Ada,ada@example.com,\n2,Bobby,bob@example.com,\n7,Cy,cy@x.io,\n",
        user=admin_user,
        file_name="id.csv",
    )
    assert report.summary() == "1 created, 1 updated, 1 unchanged, 0 invalid"
    assert list(Customer.objects.values_list("id", "name", "version")) == [
        (1, "Ada", 1),
        (2, "Bobby", 2),
        (7, "Cy", 1),
    ]
    batch = ImportBatch.objects.get()
    assert (batch.created_by, batch.file_name, batch.created, batch.updated) == (
        admin_user,
        "id.csv",
        1,
        1,
    )
    assert report.batch_id == batch.pk
    history = Customer.history.filter(import_batch=batch).order_by("id")
    assert [(h.id, h.history_type, h.name, h.history_user) for h in history] == [
        (2, "~", "Bobby", admin_user),
        (7, "+", "Cy", admin_user),
    ]


def test_empty_id_creates_with_the_next_free_id_or_updates_the_emails_owner(
    make_customer,
):
    make_customer(id=5, name="Ada", email="Ada@Example.com")
    report = run(
        HEADER
        + ",Ada Lovelace,ada@example.COM,\n,New,new@example.com,\n9,Nine,9@x.io,\n"
    )
    assert report.summary() == "2 created, 1 updated, 0 unchanged, 0 invalid"
    assert list(Customer.objects.values_list("id", "name", "email")) == [
        (5, "Ada Lovelace", "ada@example.COM"),
        (9, "Nine", "9@x.io"),
        (10, "New", "new@example.com"),
    ]


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


def test_values_are_trimmed_of_unicode_spaces_and_invisible_marks(db):
    run(HEADER + "1,\u00a0Ada\u200b ,\tada@x.io\u00a0, 0123 456789\u2007\n")
    assert Customer.objects.values_list("name", "email", "phone").get() == (
        "Ada",
        "ada@x.io",
        "0123 456789",
    )


def test_words_like_na_and_null_are_names_and_leading_zeros_stay(db):
    run(HEADER + "1,NA,na@x.io,0123 456789\n2,null,null@x.io,\n3,None,n@x.io,\n")
    assert list(Customer.objects.values_list("name", "phone")) == [
        ("NA", "0123 456789"),
        ("null", ""),
        ("None", ""),
    ]


def test_two_customers_can_swap_emails(make_customer):
    make_customer(id=1, name="A", email="a@x.io")
    make_customer(id=2, name="B", email="b@x.io")
    report = run(HEADER + "1,A,B@x.io,\n2,B,a@x.io,\n")
    assert report.summary() == "0 created, 2 updated, 0 unchanged, 0 invalid"
    assert list(Customer.objects.values_list("id", "email")) == [
        (1, "B@x.io"),
        (2, "a@x.io"),
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


def test_archived_customers_are_updated_and_stay_archived(make_customer):
    customer = make_customer(id=4, name="A", email="a@x.io")
    customer.archive()
    report = run(HEADER + "4,A2,a@x.io,\n")
    assert report.warnings == [
        "1 row update archived customers (4); they stay archived."
    ]
    customer.refresh_from_db()
    assert customer.name == "A2" and customer.archived_at is not None


def test_formula_prefix_of_an_export_is_removed_on_import(db):
    run(HEADER + "1,'=1+2,'-x@y.io,'+44 20 7946 0958\n2,'Tis,t@x.io,\n")
    assert list(Customer.objects.values_list("name", "email", "phone")) == [
        ("=1+2", "-x@y.io", "+44 20 7946 0958"),
        ("'Tis", "t@x.io", ""),
    ]


def test_new_ids_follow_the_highest_id_and_the_sequence_is_reset(db):
    run(HEADER + "1000,A,a@x.io,\n,B,b@x.io,\n")
    assert Customer.objects.get(email="b@x.io").pk == 1001
    assert Customer.objects.create(name="C", email="c@x.io").pk == 1002


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
            "line 3, column ID: The ID must be a whole number such as 42 (a "
            'spreadsheet may have added decimals). ("4.0")',
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


def test_email_taken_by_another_customer_in_the_database_is_refused(make_customer):
    make_customer(id=1, name="A", email="a@x.io")
    before = state()
    report = run(HEADER + "2,B,A@x.IO,\n")
    assert messages(report) == [
        "line 2, column Email: A customer with this email already exists "
        '(customer 1). ("A@x.IO")'
    ]
    assert state() == before


def test_email_case_is_compared_beyond_ascii(make_customer):
    make_customer(id=1, name="A", email="ada@ÉCOLE.fr")
    report = run(HEADER + "2,B,ada@école.fr,\n")
    assert messages(report) == [
        "line 2, column Email: A customer with this email already exists "
        '(customer 1). ("ada@école.fr")'
    ]


def test_a_customer_matched_by_id_and_by_email_in_one_file_is_refused(
    make_customer,
):
    make_customer(id=1, name="A", email="a@x.io")
    report = run(HEADER + "1,A,new@x.io,\n,A again,a@x.io,\n")
    assert messages(report) == [
        "line 2, column ID: This row matches customer 1 by its ID, and so does line 3.",
        "line 3, column Email: This row matches customer 1 by its email, and so "
        "does line 2.",
    ]


def test_the_same_bad_value_gets_the_forms_message(db):
    from customers.forms import CustomerForm

    form = CustomerForm({"name": "Ada", "email": "ada@", "phone": "5.55E+09"})
    assert not form.is_valid()
    report = run(HEADER + "1,Ada,ada@,5.55E+09\n")
    assert [error.message for error in report.errors] == [
        form.errors["email"][0],
        form.errors["phone"][0],
    ]


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


def test_header_only_file_imports_nothing_with_a_warning(db):
    report = run(HEADER)
    assert report.summary() == "0 created, 0 updated, 0 unchanged, 0 invalid"
    assert report.warnings == ["The file has a header but no rows."]


def test_rejected_rows_report_keeps_the_original_columns_plus_line_and_error(db):
    report = run(
        "ID,Name,Email,Notes\n1,A,a@x.io,ok\n2,=B(),bad,note\n3,X,x@x.io,a,b\n"
    )
    out = io.StringIO()
    assert write_rejected_rows(report, out) == 2
    assert out.getvalue() == (
        "ID,Name,Email,Notes,line,error\n"
        "2,'=B(),bad,note,3,\"Email: Enter a valid email address, like "
        'name@example.com."\n'
        "3,X,x@x.io,a,b,4,This row has 5 fields but the header has 4 (an unquoted "
        "delimiter inside a value? Quote the value).\n"
    )


def test_rejected_rows_report_neutralises_formulas_in_the_header_too(db):
    report = run("ID,Name,Email,=HYPERLINK(1)\n1,A,bad,x\n")
    out = io.StringIO()
    write_rejected_rows(report, out)
    assert out.getvalue().splitlines()[0] == "ID,Name,Email,'=HYPERLINK(1),line,error"


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


# Fast path and scalar path agree -------------------------------------------------


def scalar(key: str, value: str):
    try:
        return True, clean_cell(key, value)
    except ValidationError:
        return False, None


likely = {
    "id": st.from_regex(r"\A[0-9]{1,20}\Z") | st.sampled_from(["", "007", "1e3"]),
    "name": st.text(
        alphabet=st.sampled_from(list("aZé Ã ªµ.,'&()/-0\u0301\u00a0\u200b\t=+")),
        max_size=12,
    )
    | st.text(alphabet="ab", min_size=195, max_size=205),
    "email": st.from_regex(r"\A[a-z0-9_%+.'-]{0,6}@[a-z0-9.-]{0,8}\.[a-z]{0,4}\Z")
    | st.text(alphabet="a", min_size=240, max_size=260).map(lambda s: s + "@x.io"),
    "phone": st.from_regex(r"\A'?\+?[0-9 ()./x-]{0,44}\Z")
    | st.from_regex(r"\A'?\+?\(?[0-9]{2,4}\)?[ .-]{0,3}[0-9]{3,8}[ /-]?[0-9]{0,6}\Z"),
}


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(FAST_PATTERNS))
@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_accept_implies_scalar_accept_with_the_same_value(key, data):
    values = data.draw(st.lists(likely[key] | st.text(max_size=30), max_size=20))
    accepted, cleaned = fast_check(key, pa.array(values, pa.string()))
    for value, fast, fast_value in zip(values, accepted, cleaned, strict=True):
        if fast:
            ok, expected = scalar(key, value)
            assert ok, f"fast path accepted {value!r} that the rules refuse"
            assert fast_value.as_py() == expected


def test_the_fast_path_accepts_ordinary_values():
    samples = {
        "id": "42",
        "name": "Zoë O'Brien-Smith",
        "email": "ada.lovelace+crm@example.co.uk",
        "phone": "'+44 20 7946 0958",
    }
    for key, value in samples.items():
        accepted, _ = fast_check(key, pa.array([value]))
        assert accepted[0], key


# Round trip ----------------------------------------------------------------------

name_text = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=["Cs", "Cc", "Zl", "Zp"], blacklist_characters="ÃÂâ"
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


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_import_stages_then_writes_atomically():
    report = run(HEADER + "1,A,a@x.io,\n2,B,b@x.io,\n")
    assert report.written
    assert Customer.objects.count() == 2
    assert Customer.history.count() == 2
    report = run(HEADER + "1,A,b@x.io,\n3,C,c@x.io,\n")
    assert report.refused
    assert Customer.objects.count() == 2


def test_a_customer_changed_after_the_preview_makes_the_write_refuse(make_customer):
    from customers.importing import ConcurrentChange, write_plan

    customer = make_customer(id=1, name="A", email="a@x.io")
    preview = run(HEADER + "1,A2,a@x.io,\n2,B,b@x.io,\n", dry_run=True)
    customer.name = "Edited meanwhile"
    customer.save()
    before = state()
    with pytest.raises(ConcurrentChange):
        write_plan(preview.plan, batch=ImportBatch(file_size=0, sha256="0" * 64))
    assert state() == before


def test_history_keeps_its_rows_when_the_importing_user_is_deleted(admin_user):
    from django.db.models import ProtectedError

    report = run(HEADER + "1,A,a@x.io,\n", user=admin_user)
    batch = ImportBatch.objects.get(pk=report.batch_id)
    with pytest.raises(ProtectedError):
        batch.delete()
    admin_user.delete()
    assert Customer.history.get().history_user is None
