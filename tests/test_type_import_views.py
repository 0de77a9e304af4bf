"""Support leads import and export ticket types in the staff pages."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets.models import TicketType


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, content: str, **extra):
    return client.post(
        reverse("tickets:type_import"),
        {"file": SimpleUploadedFile("ticket_types.json", content.encode()), **extra},
    )


def test_a_lead_finds_import_and_export_on_the_ticket_types_page(lead_client, agent):
    page = lead_client.get(reverse("tickets:types")).text
    assert f'href="{reverse("tickets:type_import")}"' in page
    assert f'href="{reverse("tickets:type_export")}"' in page
    lead_client.force_login(agent)
    page = lead_client.get(reverse("tickets:types")).text
    assert reverse("tickets:type_import") not in page


def test_a_lead_uploads_previews_and_applies_ticket_types(
    lead_client, lead, make_ticket_type
):
    make_ticket_type(code="1", name="Tech")
    response = upload(lead_client, '{"1": "Technical Issue", "2": "Billing"}')
    assert response.status_code == 200
    assert "1 new, 1 renamed, 0 unchanged." in response.text
    assert TicketType.objects.get(code="1").name == "Tech"  # nothing written yet
    token = response.context["apply_form"].initial["token"]

    response = lead_client.post(
        reverse("tickets:type_import_apply"), {"token": token, "apply": ""}, follow=True
    )
    assert "Ticket types imported: 1 created, 1 updated, 0 unchanged" in response.text
    assert dict(TicketType.objects.values_list("code", "name")) == {
        "1": "Technical Issue",
        "2": "Billing",
    }
    assert TicketType.history.filter(code="2").get().history_user == lead


def test_a_discarded_preview_writes_nothing_and_cannot_be_applied(lead_client, db):
    response = upload(lead_client, '{"7": "Returns"}')
    token = response.context["apply_form"].initial["token"]
    url = reverse("tickets:type_import_apply")
    discarded = lead_client.post(url, {"token": token, "discard": ""}, follow=True)
    assert "Preview discarded; nothing was imported." in discarded.text
    again = lead_client.post(url, {"token": token, "apply": ""}, follow=True)
    assert "no longer available: upload the file again" in again.text
    assert not TicketType.objects.filter(code="7").exists()


def test_a_forged_token_is_refused(lead_client, db):
    response = lead_client.post(
        reverse("tickets:type_import_apply"),
        {"token": "ticket-types/../../settings.py", "apply": ""},
        follow=True,
    )
    assert "no longer available" in response.text


def test_a_bad_file_shows_its_errors_and_offers_no_apply(lead_client, db):
    response = upload(lead_client, '{"1": "A", "1": "B"}')
    assert "This file was refused; nothing was imported." in response.text
    assert 'name="token"' not in response.text
    assert not TicketType.objects.exists()


def test_export_downloads_ticket_types_json(lead_client, make_ticket_type):
    make_ticket_type(code="1", name="Technical Issue")
    response = lead_client.get(reverse("tickets:type_export"))
    assert response["Content-Disposition"] == 'attachment; filename="ticket_types.json"'
    assert json.loads(response.content) == {"1": "Technical Issue"}


def test_staff_without_the_permissions_get_403(agent_client):
    assert agent_client.get(reverse("tickets:type_import")).status_code == 403
    assert agent_client.get(reverse("tickets:type_export")).status_code == 403
    response = agent_client.post(reverse("tickets:type_import_apply"), {"token": "x"})
    assert response.status_code == 403
