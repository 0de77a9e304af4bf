from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from customers.exporting import (
    write_customers_csv,
    write_customers_json,
    write_customers_xlsx,
)
from customers.models import Customer


def test_csv_has_the_exact_header_rows_in_id_order_and_neutralised_formulas(
    make_customer,
):
    make_customer(id=9, name="=HYPERLINK(1)", email="-x@example.com", phone="")
    make_customer(
        id=2, name='Doe, "JD"', email="jd@example.com", phone="+44 20 7946 0958"
    )
    out = io.StringIO()
    assert write_customers_csv(Customer.objects.all(), out) == 2
    assert out.getvalue() == (
        "ID,Name,Email,Phone\n"
        '2,"Doe, ""JD""",jd@example.com,\'+44 20 7946 0958\n'
        "9,'=HYPERLINK(1),'-x@example.com,\n"
    )


def test_json_carries_values_unchanged(make_customer):
    make_customer(id=1, name="=1+1", email="a@example.com", phone="+1 555 123 4567")
    out = io.StringIO()
    write_customers_json(Customer.objects.all(), out)
    assert json.loads(out.getvalue()) == [
        {"ID": 1, "Name": "=1+1", "Email": "a@example.com", "Phone": "+1 555 123 4567"}
    ]


def test_empty_json_export_is_an_empty_list(db):
    out = io.StringIO()
    assert write_customers_json(Customer.objects.all(), out) == 0
    assert json.loads(out.getvalue()) == []


def test_xlsx_cells_are_neutralised_text(make_customer, tmp_path):
    make_customer(id=1, name="@SUM(A1)", email="a@example.com", phone="")
    path = tmp_path / "out.xlsx"
    with open(path, "wb") as file:
        write_customers_xlsx(Customer.objects.all(), file)
    rows = list(load_workbook(path).active.values)
    assert rows == [
        ("ID", "Name", "Email", "Phone"),
        (1, "'@SUM(A1)", "a@example.com", None),
    ]
