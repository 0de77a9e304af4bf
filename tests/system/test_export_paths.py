"""Every way out of the app writes the same id.csv bytes, formulas neutralised."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

AWKWARD = [
    ('=HYPERLINK("http://x")', "eq@example.com", "+44 20 7946 0958"),
    ("@SUM(A1)", "at@example.com", ""),
    ("-2+3", "minus@example.com", "0123 456789"),
    ('O\'Brien, "Pat"', "quote@example.com", "(555) 123-4567 x12"),
    ("<script>alert(1)</script>", "xss@example.com", ""),
]


@pytest.fixture
def awkward_customers(make_customer):
    return [
        make_customer(name=name, email=email, phone=phone)
        for name, email, phone in AWKWARD
    ]


def _command(client) -> bytes:
    out = io.StringIO()
    call_command("export_customers", "-", stdout=out)
    return out.getvalue().encode()


def _staff_page(client) -> bytes:
    return b"".join(client.get(reverse("customers:export")).streaming_content)


def _admin(client) -> bytes:
    response = client.post(
        reverse("admin:customers_customer_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"customerresource_{f}": "on" for f in ["id", "name", "email", "phone"]},
        },
    )
    return response.content


def test_command_staff_page_and_admin_export_the_same_neutralised_bytes(
    admin_client, awkward_customers
):
    exports = {
        "command": _command(admin_client),
        "staff page": _staff_page(admin_client),
        "admin": _admin(admin_client),
    }
    assert exports["command"].startswith(b"ID,Name,Email,Phone\n")
    assert b"'=HYPERLINK" in exports["command"]
    assert b"'+44 20 7946 0958" in exports["command"]
    assert b"'@SUM(A1)" in exports["command"]
    assert b"'-2+3" in exports["command"]
    assert exports["staff page"] == exports["command"]
    assert exports["admin"] == exports["command"]
