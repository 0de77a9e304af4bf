from __future__ import annotations

import io
import json
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from customer_flow.import_export_admin import AdminUploadStorage
from customers.models import Customer, ImportBatch
from tickets.models import TicketType

HEADER = "ID,Name,Email,Phone\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The check runs inside the request (Django's immediate backend);
    # tests/test_import_jobs.py runs the same jobs in a real worker.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "imports"],
        }
    }
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
    assert response.status_code == 302  # to the batch page, checked in the background
    html = admin_client.get(response.url, {"kind": "invalid"}).text
    for line in command_errors:
        assert escape(line) in html
    assert "Nothing can be imported from this file" in html
    assert not Customer.objects.exists()


def test_admin_import_is_checked_in_the_background_then_applied_on_its_page(
    admin_client, admin_user
):
    content = (HEADER + "1,Ada,ada@example.com,\n,Bob,bob@example.com,\n").encode()
    response = upload(admin_client, "admin:customers_customer_import", content)
    batch = ImportBatch.objects.get()
    assert response.url == batch.get_absolute_url()
    page = admin_client.get(response.url).text
    assert f"Import #{batch.pk} is being checked in the background" in page
    assert "next free ID" in page
    assert not Customer.objects.exists()

    admin_client.post(reverse("customers:batch_apply", args=[batch.pk]))
    assert list(Customer.objects.values_list("id", "name")) == [(1, "Ada"), (2, "Bob")]
    batch.refresh_from_db()
    assert (batch.created_by, batch.applied_by, batch.file_name) == (
        admin_user,
        admin_user,
        "id.csv",
    )


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
    page = admin_client.get(response.url).text
    assert "This is a PNG image, not a CSV file" in page
    assert not Customer.objects.exists()


def test_admin_imports_are_batches_and_a_file_imported_before_needs_the_box(
    admin_client,
):
    content = (HEADER + "1,Ada,ada@example.com,\n").encode()
    upload(admin_client, "admin:customers_customer_import", content)
    batch = ImportBatch.objects.get()
    admin_client.post(reverse("customers:batch_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, list(batch.rows.values_list("kind", "customer_id"))) == (
        "applied",
        [("new", 1)],
    )
    Customer.objects.filter(pk=1).delete()

    response = upload(admin_client, "admin:customers_customer_import", content)
    page = admin_client.get(response.url).text
    assert (
        f'This file was already imported as <a href="/customers/imports/{batch.pk}/">'
        in page
    )
    again = ImportBatch.objects.latest("id")
    admin_client.post(
        reverse("customers:batch_apply", args=[again.pk]), {"again": "on"}
    )
    assert Customer.objects.filter(pk=1).exists()
    assert ImportBatch.objects.count() == 2


def test_admin_confirms_only_the_users_own_upload_and_reads_no_other_file(
    admin_client, client, media, tmp_path
):
    # Section 7: the library's temporary storage read, then deleted, any file
    # whose name the confirm form posted.
    elsewhere = tmp_path / "secret.json"
    elsewhere.write_text('{"9": "Not an upload"}')
    content = b'{"1": "Technical Issue"}'
    response = upload(
        admin_client, "admin:tickets_tickettype_import", content, "t.json"
    )
    initial = response.context["confirm_form"].initial
    name = initial["import_file_name"]
    stored = media / AdminUploadStorage.FOLDER / name
    assert stored.exists()
    other = get_user_model().objects.create_superuser("other", password="x")
    client.force_login(other)
    process = reverse("admin:tickets_tickettype_process_import")

    for who, file_name in [
        (client, name),  # another admin's upload
        (admin_client, str(elsewhere)),  # any other file, by path
        (admin_client, "../secret.json"),
    ]:
        refused = who.post(process, {**initial, "import_file_name": file_name})
        assert refused.status_code == 403
    assert stored.exists() and elsewhere.exists()
    assert not TicketType.objects.exists()

    admin_client.post(process, initial)
    assert list(TicketType.objects.values_list("code", "name")) == [
        ("1", "Technical Issue")
    ]


def test_admin_upload_storage_refuses_a_name_it_did_not_give():
    with pytest.raises(SuspiciousFileOperation):
        AdminUploadStorage(name="../secret.json")
