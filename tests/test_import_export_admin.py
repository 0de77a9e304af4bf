from __future__ import annotations

import io
import json
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from customers.models import Customer, ImportBatch
from tickets.models import TicketType

HEADER = "ID,Name,Email,Phone\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, url_name: str, content: bytes, name: str = "id.csv"):
    return client.post(
        reverse(url_name),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile(name, content, "text/csv"),
        },
    )


def staff_with(*codenames: str):
    user = get_user_model().objects.create_user("staffer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_admin_preview_lists_the_same_errors_as_the_command(admin_client, tmp_path):
    content = (
        HEADER + "1,Ada,ada@example.com,\n2,,bad,5.55E+09\n1,X,x@x.io,\n"
    ).encode()
    path = tmp_path / "id.csv"
    path.write_bytes(content)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_customers", str(path), stdout=io.StringIO(), stderr=err)
    command_errors = err.getvalue().splitlines()
    assert len(command_errors) == 5

    response = upload(admin_client, "admin:customers_customer_import", content)
    assert response.status_code == 200
    html = response.content.decode()
    for line in command_errors:
        assert escape(line) in html
    assert (
        "confirm_form" not in response.context or not response.context["confirm_form"]
    )
    assert not Customer.objects.exists()


def test_admin_import_previews_then_writes_on_confirm(admin_client, admin_user):
    content = (HEADER + "1,Ada,ada@example.com,\n,Bob,bob@example.com,\n").encode()
    response = upload(admin_client, "admin:customers_customer_import", content)
    assert "would be 2 created, 0 updated, 0 unchanged, 0 invalid" in response.text
    assert "next free ID" in response.text
    assert not Customer.objects.exists()

    confirm = response.context["confirm_form"].initial
    response = admin_client.post(
        reverse("admin:customers_customer_process_import"), confirm
    )
    assert response.status_code == 302
    assert list(Customer.objects.values_list("id", "name")) == [(1, "Ada"), (2, "Bob")]
    batch = ImportBatch.objects.get()
    assert (batch.created_by, batch.file_name) == (admin_user, "id.csv")
    page = admin_client.get(response.url)
    assert "Imported: 2 created, 0 updated, 0 unchanged, 0 invalid." in page.text


def test_staff_without_the_import_permission_is_refused(client, db):
    client.force_login(staff_with("view_customer", "change_customer"))
    assert client.get(reverse("admin:customers_customer_import")).status_code == 403
    assert client.get(reverse("admin:customers_customer_export")).status_code == 403
    changelist = client.get(reverse("admin:customers_customer_changelist"))
    assert reverse("admin:customers_customer_import") not in changelist.text


def test_staff_with_the_import_permission_may_import(client, db):
    client.force_login(
        staff_with("view_customer", "import_customer", "export_customer")
    )
    assert client.get(reverse("admin:customers_customer_import")).status_code == 200
    changelist = client.get(reverse("admin:customers_customer_changelist"))
    assert reverse("admin:customers_customer_import") in changelist.text


def test_admin_refuses_an_upload_over_the_size_limit(admin_client, settings):
    settings.ADMIN_IMPORT_MAX_BYTES = 10
    response = upload(admin_client, "admin:customers_customer_import", HEADER.encode())
    assert "larger than 10 bytes" in response.text


def test_admin_csv_export_neutralises_formulas(admin_client, make_customer):
    make_customer(id=1, name="=cmd()", email="a@example.com", phone="+44 20 7946 0958")
    response = admin_client.post(
        reverse("admin:customers_customer_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"customerresource_{f}": "on" for f in ["id", "name", "email", "phone"]},
        },
    )
    assert response.status_code == 200
    assert response.content.decode().splitlines() == [
        "ID,Name,Email,Phone",
        "1,'=cmd(),a@example.com,'+44 20 7946 0958",
    ]


def test_admin_ticket_types_import_and_export_use_the_briefs_format(admin_client):
    content = b'{"1": "Technical Issue", "2": "Billing Inquiry"}'
    response = upload(
        admin_client, "admin:tickets_tickettype_import", content, "ticket_types.json"
    )
    assert "would be 2 created, 0 updated, 0 unchanged, 0 invalid" in response.text
    admin_client.post(
        reverse("admin:tickets_tickettype_process_import"),
        response.context["confirm_form"].initial,
    )
    assert TicketType.objects.count() == 2
    response = admin_client.post(
        reverse("admin:tickets_tickettype_export"),
        {
            "format": "0",
            "resource": "0",
            "tickettyperesource_code": "on",
            "tickettyperesource_name": "on",
        },
    )
    assert json.loads(response.content) == {
        "1": "Technical Issue",
        "2": "Billing Inquiry",
    }


def test_admin_ticket_types_preview_shows_json_errors(admin_client):
    response = upload(
        admin_client, "admin:tickets_tickettype_import", b'{"1": NaN}', "t.json"
    )
    assert "line 1, column 7: NaN is not a name" in response.text


def test_admin_refuses_a_50_mb_binary_upload_with_a_message(admin_client):
    content = os.urandom(50 * 1024 * 1024)
    response = upload(admin_client, "admin:customers_customer_import", content)
    assert response.status_code == 200
    assert "larger than" in response.text
    assert not Customer.objects.exists()
    assert not ImportBatch.objects.exists()


def test_admin_refuses_a_binary_file_named_like_a_csv(admin_client):
    content = b"\x89PNG\r\n\x1a\n" + os.urandom(2000)
    response = upload(admin_client, "admin:customers_customer_import", content)
    assert response.status_code == 200
    assert "This is a PNG image, not a CSV file" in response.text
    assert not Customer.objects.exists()


def test_admin_imports_are_batches_and_warn_about_a_file_imported_before(
    admin_client,
):
    content = (HEADER + "1,Ada,ada@example.com,\n").encode()
    response = upload(admin_client, "admin:customers_customer_import", content)
    admin_client.post(
        reverse("admin:customers_customer_process_import"),
        response.context["confirm_form"].initial,
    )
    batch = ImportBatch.objects.get()
    assert (batch.status, list(batch.rows.values_list("kind", "customer_id"))) == (
        "applied",
        [("new", 1)],
    )
    Customer.objects.filter(pk=1).delete()

    # The preview warns; confirming it is the admin's --force.
    response = upload(admin_client, "admin:customers_customer_import", content)
    assert f"This file was already imported as batch #{batch.pk}" in response.text
    admin_client.post(
        reverse("admin:customers_customer_process_import"),
        response.context["confirm_form"].initial,
    )
    assert Customer.objects.filter(pk=1).exists()
    assert ImportBatch.objects.count() == 2


@pytest.mark.parametrize(
    "name", ["secret.csv", "../secret.csv", "/tmp/secret.csv", "0" * 32]
)
def test_admin_confirm_cannot_read_or_delete_a_file_it_did_not_upload(
    admin_client, name, tmp_path, monkeypatch
):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    secret = tmp_path / "secret.csv"
    secret.write_text(HEADER + "1,Mallory,m@x.io,\n")
    response = admin_client.post(
        reverse("admin:customers_customer_process_import"),
        {
            "import_file_name": name,
            "original_file_name": "id.csv",
            "format": "0",
            "resource": "0",
        },
    )
    assert response.status_code in (400, 403)
    assert secret.read_text() == HEADER + "1,Mallory,m@x.io,\n"
    assert not Customer.objects.exists()


def test_admin_confirm_cannot_use_another_admins_upload(admin_client, client, media):
    content = (HEADER + "1,Ada,ada@example.com,\n").encode()
    response = upload(admin_client, "admin:customers_customer_import", content)
    confirm = response.context["confirm_form"].initial
    stored = list((media / "admin-imports").iterdir())
    assert [path.name for path in stored] == [confirm["import_file_name"]]

    other = get_user_model().objects.create_superuser("other", password="x")
    client.force_login(other)
    response = client.post(reverse("admin:customers_customer_process_import"), confirm)
    assert response.status_code == 403
    assert stored[0].exists() and not Customer.objects.exists()

    response = admin_client.post(
        reverse("admin:customers_customer_process_import"), confirm
    )
    assert response.status_code == 302
    assert Customer.objects.count() == 1 and not stored[0].exists()


@pytest.mark.parametrize("name", ["secret.csv", "../x", "/etc/passwd", "a" * 31])
def test_admin_upload_storage_refuses_names_it_did_not_make(name):
    from django.core.exceptions import SuspiciousFileOperation

    from customer_flow.import_export_admin import AdminUploadStorage

    with pytest.raises(SuspiciousFileOperation):
        AdminUploadStorage(name=name)
