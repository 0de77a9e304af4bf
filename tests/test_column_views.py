"""The import's mapping step (customers/column_views.py): a file from another
system is mapped, previewed, and its mapping remembered."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from customers.models import ColumnMapping, Customer, ImportBatch
from tests.test_import_views import upload

OTHER = (
    "Customer ID;Full name;E-mail address;Telephone;Notes\n"
    "1;Ada;a@x.io;555 0100 200;vip\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def start(client, content=OTHER):
    response = upload(client, content, name="contacts.csv")
    assert response.status_code == 302
    assert response.url.startswith(reverse("customers:import_columns") + "?upload=")
    return response.url.split("=", 1)[1]


def test_other_headers_go_to_the_mapping_step_with_suggestions(lead_client, media):
    token = start(lead_client)
    page = lead_client.get(reverse("customers:import_columns"), {"upload": token})
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
    assert not ImportBatch.objects.exists()
    assert len(list((media / "import-mapping").iterdir())) == 1


def test_confirming_the_mapping_previews_and_remembers_it(lead_client, lead, media):
    token = start(lead_client)
    response = lead_client.post(
        reverse("customers:import_columns"),
        {"upload": token, "id": "0", "name": "1", "email": "2", "phone": "3"},
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    assert (batch.created, batch.file_name, batch.status) == (
        1,
        "contacts.csv",
        "previewed",
    )
    assert not Customer.objects.exists()
    mapping = ColumnMapping.objects.get()
    assert mapping.columns == {
        "id": "Customer ID",
        "name": "Full name",
        "email": "E-mail address",
        "phone": "Telephone",
    }
    assert mapping.saved_by == lead
    assert list((media / "import-mapping").iterdir()) == []

    # The next file with the same headers goes straight to its preview.
    response = upload(lead_client, OTHER.replace("Ada", "Ada L"), name="again.csv")
    second = ImportBatch.objects.latest("id")
    assert response.url == second.get_absolute_url()
    assert any("Columns mapped as remembered" in w for w in second.warnings)


def test_a_column_chosen_twice_is_refused_and_nothing_recorded(lead_client):
    token = start(lead_client)
    page = lead_client.post(
        reverse("customers:import_columns"),
        {"upload": token, "id": "0", "name": "1", "email": "1"},
    )
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "email": ["This column is already chosen for Name."]
    }
    page = lead_client.post(
        reverse("customers:import_columns"), {"upload": token, "id": "0", "name": "1"}
    )
    assert page.context["form"].errors == {"email": ["This field is required."]}
    assert not ImportBatch.objects.exists() and not ColumnMapping.objects.exists()


def test_without_an_id_column_rows_match_by_email(lead_client, make_customer):
    make_customer(id=9, name="Old", email="a@x.io")
    token = start(lead_client, "Full name,E-mail address\nAda,a@x.io\n")
    lead_client.post(
        reverse("customers:import_columns"),
        {"upload": token, "name": "0", "email": "1"},
    )
    batch = ImportBatch.objects.get()
    assert (batch.created, batch.updated) == (0, 1)


def test_another_users_or_an_unknown_upload_is_not_reachable(lead_client, lead, media):
    token = start(lead_client)
    other = Client()
    other.force_login(lead.__class__.objects.create_superuser("other", password="x"))
    for client, upload_token in [(other, token), (lead_client, "0" * 32)]:
        response = client.post(
            reverse("customers:import_columns"),
            {"upload": upload_token, "id": "0", "name": "1", "email": "2"},
        )
        assert response.status_code == 302
        assert response.url == reverse("customers:import")
    assert not ImportBatch.objects.exists()
    assert len(list((media / "import-mapping").iterdir())) == 1


def test_the_mapping_step_needs_the_import_permission(outsider_client, db):
    url = reverse("customers:import_columns")
    assert outsider_client.get(url).status_code == 403
    assert Client().get(url).status_code == 302
