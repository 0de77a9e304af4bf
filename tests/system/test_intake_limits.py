"""Hostile and damaged files end in a one-line message and an unchanged database,
through every door: the command, the web upload and the admin."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from customers.forms import CustomerForm
from customers.models import Customer, ImportBatch
from tests.test_import_views import jobs_run_at_once  # noqa: F401
from tickets.models import TicketType

HEADER = "ID,Name,Email,Phone\n"
LONG_HEADER = ("ID,Name,Email," + "X" * 140_000 + "\n1,A,a@x.io,\n").encode()
HEADER_MESSAGE = (
    "line 1: The header line is 140,015 bytes long: a header names the columns, "
    "like ID,Name,Email,Phone. Is this the right file?"
)
BIG_VALUE = (HEADER + "1," + "A" * 2_000_000 + ",a@x.io,\n").encode()
DEEP = ('{"1": ' + "[" * 50_000 + "]" * 50_000 + "}").encode()


@pytest.fixture(autouse=True)
def media(jobs_run_at_once):  # noqa: F811
    """Uploads kept in a temporary folder; web checks run inside the request."""


def web_upload(client, content: bytes):
    return client.post(
        reverse("customers:import"),
        {
            "mode": "all_or_nothing",
            "encoding": "",
            "file": SimpleUploadedFile("x.csv", content),
        },
    )


def admin_upload(client, url_name: str, content: bytes, name: str):
    return client.post(
        reverse(url_name),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def test_a_long_header_cell_is_one_line_everywhere(lead_client, admin_client, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(LONG_HEADER)
    err = io.StringIO()
    with pytest.raises(CommandError, match="File refused"):
        call_command("import_customers", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == HEADER_MESSAGE

    response = web_upload(lead_client, LONG_HEADER)
    batch = ImportBatch.objects.get()
    assert response.url == batch.get_absolute_url()
    assert (batch.status, batch.failure) == ("refused", HEADER_MESSAGE)
    assert HEADER_MESSAGE in lead_client.get(response.url).text
    batch.delete()
    # The admin's import is the same background batch as the staff pages'.
    response = admin_upload(
        admin_client, "admin:customers_customer_import", LONG_HEADER, "x.csv"
    )
    batch = ImportBatch.objects.get()
    assert response.url == batch.get_absolute_url()
    assert (batch.status, batch.failure) == ("refused", HEADER_MESSAGE)
    assert not Customer.objects.exists()


def test_a_two_megabyte_value_is_one_row_error_everywhere(lead_client, admin_client):
    message = "line 2, column Name: Ensure this value has at most 200 characters"
    response = web_upload(lead_client, BIG_VALUE)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert (batch.status, batch.invalid) == ("previewed", 1)
    page = lead_client.get(batch.get_absolute_url())
    assert page.status_code == 200 and "at most 200 characters" in page.text
    batch.delete()
    response = admin_upload(
        admin_client, "admin:customers_customer_import", BIG_VALUE, "x.csv"
    )
    batch = ImportBatch.objects.get()
    assert response.url == batch.get_absolute_url()
    assert (batch.status, batch.invalid) == ("previewed", 1)
    assert message in lead_client.get(response.url).text
    assert not Customer.objects.exists()


def test_a_deeply_nested_ticket_types_file_is_one_line_everywhere(
    admin_client, tmp_path
):
    TicketType.objects.create(code="1", name="Kept")
    path = tmp_path / "t.json"
    path.write_bytes(DEEP)
    err = io.StringIO()
    with pytest.raises(CommandError, match="File refused: 1 error; nothing"):
        call_command("import_ticket_types", str(path), stdout=io.StringIO(), stderr=err)
    message = (
        "line 1, column 7: Malformed JSON: The value is nested more than 100 levels "
        "deep; a ticket type's name is text in double quotes."
    )
    assert err.getvalue().strip() == message
    response = admin_upload(
        admin_client, "admin:tickets_tickettype_import", DEEP, "t.json"
    )
    assert response.status_code == 200 and escape(message) in response.text
    assert list(TicketType.objects.values_list("code", "name")) == [("1", "Kept")]


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("15551234567.0", "stored this phone number as a decimal number"),
        ("5.55E+09", "turned this phone number into a number"),
    ],
)
def test_the_customer_form_refuses_spreadsheet_damage_with_the_fix(db, phone, message):
    form = CustomerForm({"name": "Ada", "email": "a@x.io", "phone": phone})
    assert not form.is_valid()
    assert message in form.errors["phone"][0]
    form = CustomerForm({"name": "JÃ¼rgen", "email": "j@x.io", "phone": ""})
    assert "garbled" in form.errors["name"][0]
