from __future__ import annotations

import io

import pytest

from tickets.exporting import write_ticket_types
from tickets.importing import import_ticket_types
from tickets.models import TicketType


def types() -> list[tuple[str, str, bool]]:
    return list(TicketType.objects.values_list("code", "name", "active"))


def test_upsert_by_key_leaves_missing_keys_alone(make_ticket_type, admin_user):
    make_ticket_type(code="1", name="Tech")
    make_ticket_type(code="5", name="Other")
    report = import_ticket_types(
        b'{"1": "Technical Issue", "2": "Billing Inquiry"}', user=admin_user
    )
    assert report.summary() == "1 created, 1 updated, 0 unchanged, 0 invalid"
    assert types() == [
        ("1", "Technical Issue", True),
        ("2", "Billing Inquiry", True),
        ("5", "Other", True),
    ]
    assert TicketType.history.filter(code="1").first().history_user == admin_user


def test_two_types_can_swap_names(make_ticket_type):
    make_ticket_type(code="1", name="A")
    make_ticket_type(code="2", name="B")
    report = import_ticket_types(b'{"1": "b", "2": "A"}')
    assert report.summary() == "0 created, 2 updated, 0 unchanged, 0 invalid"
    assert types() == [("1", "b", True), ("2", "A", True)]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b'{"1": "A",\n "2": "B",\n "1": "C"}',
            [
                'line 1, column 7: The key "1" is also at line 3, column 7; keep one.',
                'line 3, column 7: The key "1" is also at line 1, column 7; keep one.',
            ],
            id="duplicate-key",
        ),
        pytest.param(
            b'{\n  "1": NaN,\n  "2": 42,\n  "3": "  ",\n  "4": null\n}',
            [
                "line 2, column 8: NaN is not a name; write the name in quotes.",
                "line 3, column 8: The name must be text in double quotes, not int "
                "(42).",
                'line 4, column 8: This field is required. ("  ")',
                "line 5, column 8: The name must be text in double quotes, not null "
                "(None).",
            ],
            id="bad-values",
        ),
        pytest.param(
            b'{"1": "Billing",\n "2": "BILLING"}',
            [
                'line 1, column 7: The name "Billing" of key "1" is also the name '
                'of key "2" (line 2, column 7); names must be unique ignoring case.',
                'line 2, column 7: The name "BILLING" of key "2" is also the name '
                'of key "1" (line 1, column 7); names must be unique ignoring case.',
            ],
            id="duplicate-name",
        ),
        pytest.param(
            b'{"01": "A", "x": "B"}',
            [
                "line 1, column 8: A ticket type code is a whole number such as 4, "
                'as in ticket_types.json. ("01")',
                "line 1, column 18: A ticket type code is a whole number such as 4, "
                'as in ticket_types.json. ("x")',
            ],
            id="bad-keys",
        ),
        pytest.param(
            b'{"1": "A",\n "2": "B",\n}',
            ["line 3, column 1: Malformed JSON: Expected a key in double quotes."],
            id="trailing-comma",
        ),
        pytest.param(
            b'["Technical Issue"]',
            ['line 1, column 1: Malformed JSON: Expected the file to start with "{".'],
            id="not-an-object",
        ),
        pytest.param(
            b'{"1": "A"',
            ['line 1, column 10: Malformed JSON: Expected "," or "}".'],
            id="unclosed",
        ),
        pytest.param(
            b'{"9": "Taken"}',
            [
                "line 1, column 7: A ticket type with this name already exists "
                '(code 3). ("Taken")'
            ],
            id="name-taken",
        ),
    ],
)
def test_a_refused_ticket_types_file_names_line_and_column_and_writes_nothing(
    make_ticket_type, data, expected
):
    make_ticket_type(code="3", name="Taken")
    before = types()
    report = import_ticket_types(data)
    assert [str(error) for error in report.errors] == expected
    assert types() == before


def test_dry_run_writes_nothing(db):
    report = import_ticket_types(b'{"1": "A"}', dry_run=True)
    assert report.summary() == "would be 1 created, 0 updated, 0 unchanged, 0 invalid"
    assert not TicketType.objects.exists()


def test_export_writes_keys_in_numeric_order_indented(make_ticket_type):
    for code in ["10", "2", "1"]:
        make_ticket_type(code=code, name=f"Type {code}")
    out = io.StringIO()
    assert write_ticket_types(out) == 3
    assert out.getvalue() == (
        '{\n  "1": "Type 1",\n  "2": "Type 2",\n  "10": "Type 10"\n}\n'
    )


def test_errors_on_one_line_name_the_keys_and_counts_match(db):
    report = import_ticket_types(b'{"1": "A", "1": "B", "2": "a", "3": "a"}')
    assert [str(error) for error in report.errors] == [
        'line 1, column 7: The key "1" is also at line 1, column 17; keep one.',
        'line 1, column 17: The key "1" is also at line 1, column 7; keep one.',
        'line 1, column 27: The name "a" of key "2" is also the name of key "3" '
        "(line 1, column 37); names must be unique ignoring case.",
        'line 1, column 37: The name "a" of key "3" is also the name of key "2" '
        "(line 1, column 27); names must be unique ignoring case.",
    ]
    assert report.invalid == len(report.errors) == 4
    assert report.summary() == (
        "refused, nothing written (would be 0 created, 0 updated, 0 unchanged, "
        "4 invalid)"
    )
    assert report.exit_message() == "File refused: 4 errors; nothing was written."
    assert not TicketType.objects.exists()


def test_one_error_is_one_error(db):
    report = import_ticket_types(b'{"1": "A", "2": 7}')
    assert report.exit_message() == "File refused: 1 error; nothing was written."
    assert report.error_lines(0) == ["… and 1 more error."]
    assert report.invalid == 1
    assert types() == []


def test_names_are_compared_and_stored_composed(make_ticket_type):
    make_ticket_type(code="1", name="Café")
    report = import_ticket_types('{"2": "CAFE\u0301"}'.encode())
    assert [str(error) for error in report.errors] == [
        "line 1, column 7: A ticket type with this name already exists (code 1). "
        '("CAFÉ")'
    ]
    report = import_ticket_types('{"1": "Cafe\u0301s"}'.encode())
    assert types() == [("1", "Cafés", True)]


@pytest.mark.parametrize(
    "value", ["[" * 100_000 + "]" * 100_000, "[0, " + "[" * 100_000 + "]" * 100_001]
)
def test_a_deeply_nested_file_is_refused_in_one_line(make_ticket_type, value):
    make_ticket_type(code="3", name="Taken")
    report = import_ticket_types(f'{{"1": {value}}}'.encode())
    assert [str(error) for error in report.errors] == [
        "line 1, column 7: Malformed JSON: The value is nested more than 100 levels "
        "deep; a ticket type's name is text in double quotes."
    ]
    assert report.summary() == (
        "refused, nothing written: the file is not a ticket_types.json"
    )
    assert types() == [("3", "Taken", True)]


def test_a_large_file_is_imported_whole(db):
    entries = ",\n".join(f'  "{i}": "Type {i}"' for i in range(1, 20_001))
    report = import_ticket_types(f"{{\n{entries}\n}}".encode())
    assert report.created == 20_000
    assert TicketType.objects.count() == 20_000


def test_positions_stay_right_deep_into_a_large_file():
    from tickets.ticket_types_json import parse_ticket_types

    lines = [f'  "{i}": "Type {i}"' for i in range(1, 100_001)]
    entries = parse_ticket_types("{\n" + ",\n".join(lines) + "\n}")
    assert len(entries) == 100_000
    assert (entries[-1].line, entries[-1].column) == (100_001, 13)
