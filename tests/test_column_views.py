"""The import's mapping step (customers/column_views.py): a file from another
system is refused by its check, mapped, checked again, and its mapping
remembered."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from customers.models import ColumnMapping, Customer, ImportBatch
from tests.test_import_views import jobs_run_at_once, upload  # noqa: F401

OTHER = (
    "Customer ID;Full name;E-mail address;Telephone;Notes\n"
    "1;Ada;a@x.io;555 0100 200;vip\n"
)


def refused(client, content=OTHER) -> ImportBatch:
    response = upload(client, content, name="contacts.csv")
    batch = ImportBatch.objects.latest("id")
    assert response.url == batch.get_absolute_url()
    assert batch.status == "refused" and batch.needs_columns
    return batch


def columns_url(batch: ImportBatch) -> str:
    return reverse("customers:batch_columns", args=[batch.pk])


def test_other_headers_lead_to_the_mapping_step_with_suggestions(lead_client):
    batch = refused(lead_client)
    page = lead_client.get(batch.get_absolute_url())
    assert "Missing columns ID, Name, Email" in page.text
    assert f'href="{columns_url(batch)}"' in page.text

    page = lead_client.get(columns_url(batch))
    assert page.status_code == 200
    form = page.context["form"]
    assert {key: form[key].value() for key in form.fields} == {
        "id": "0",
        "name": "1",
        "email": "2",
        "phone": "3",
    }
    assert page.context["unmapped"] == ["Notes"]
    assert "Not imported: <code>Notes</code>" in page.text
    assert not Customer.objects.exists()


def test_confirming_the_mapping_previews_and_remembers_it(lead_client, lead):
    batch = refused(lead_client)
    response = lead_client.post(
        columns_url(batch), {"id": "0", "name": "1", "email": "2", "phone": "3"}
    )
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.file_name) == (
        "previewed",
        1,
        "contacts.csv",
    )
    assert batch.columns == {
        "id": "Customer ID",
        "name": "Full name",
        "email": "E-mail address",
        "phone": "Telephone",
    }
    assert not Customer.objects.exists()
    mapping = ColumnMapping.objects.get()
    assert (mapping.columns, mapping.saved_by) == (batch.columns, lead)

    # The next file with the same headers goes straight to its preview.
    upload(lead_client, OTHER.replace("Ada", "Ada L"), name="again.csv")
    second = ImportBatch.objects.latest("id")
    assert second.status == "previewed"
    assert any("Columns mapped as remembered" in w for w in second.warnings)


def test_a_column_chosen_twice_is_refused_and_nothing_recorded(lead_client):
    batch = refused(lead_client)
    page = lead_client.post(columns_url(batch), {"id": "0", "name": "1", "email": "1"})
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "email": ["This column is already chosen for Name."]
    }
    page = lead_client.post(columns_url(batch), {"id": "0", "name": "1"})
    assert page.context["form"].errors == {"email": ["This field is required."]}
    batch.refresh_from_db()
    assert batch.status == "refused" and batch.columns is None
    assert not ColumnMapping.objects.exists()


def test_without_an_id_column_rows_match_by_email(lead_client, make_customer):
    make_customer(id=9, name="Old", email="a@x.io")
    batch = refused(lead_client, "Full name,E-mail address\nAda,a@x.io\n")
    lead_client.post(columns_url(batch), {"name": "0", "email": "1"})
    batch.refresh_from_db()
    assert (batch.status, batch.created, batch.updated) == ("previewed", 0, 1)


def test_a_batch_that_needs_no_mapping_goes_back_to_its_page(lead_client):
    upload(lead_client, "ID,Name,Email\n1,Ada,a@x.io\n")
    batch = ImportBatch.objects.latest("id")
    response = lead_client.post(columns_url(batch), {"name": "0", "email": "1"})
    assert response.url == batch.get_absolute_url()
    batch.refresh_from_db()
    assert batch.columns is None and batch.status == "previewed"


def test_the_mapping_step_needs_the_import_permission(outsider_client, lead, db):
    batch = ImportBatch.objects.create(
        file_name="x.csv", file_size=1, sha256="0" * 64, created_by=lead
    )
    assert outsider_client.get(columns_url(batch)).status_code == 403
    assert Client().get(columns_url(batch)).status_code == 302
