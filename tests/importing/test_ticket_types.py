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
                'line 1, column 7: The key "1" is also on line 3.',
                'line 3, column 7: The key "1" is also on line 1.',
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
                'line 1, column 7: The name "BILLING" is also on line 2.',
                'line 2, column 7: The name "BILLING" is also on line 1.',
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
