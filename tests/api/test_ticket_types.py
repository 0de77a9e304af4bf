from __future__ import annotations

import json

from rest_framework.test import APIClient

from tickets.models import TicketType

URL = "/api/v1/ticket-types/"


def test_staff_list_but_may_not_create(db, agent_api, make_ticket_type):
    kind = make_ticket_type(name="Billing")
    assert APIClient().get(URL).status_code == 401
    listed = agent_api.get(URL).json()
    assert [t["name"] for t in listed] == ["Billing"] and listed[0]["id"] == kind.pk
    body = {"code": "7", "name": "Returns"}
    assert agent_api.post(URL, body, format="json").status_code == 403


def test_admin_creates_renames_and_deactivates(bearer, admin_user, make_ticket):
    api = bearer(admin_user)
    created = api.post(URL, {"code": "7", "name": "Returns"}, format="json")
    assert created.status_code == 201, created.json()
    url = f"{URL}{created.json()['id']}/"
    renamed = api.patch(url, {"name": "Refunds"}, format="json")
    assert renamed.json()["name"] == "Refunds"
    make_ticket(ticket_type=TicketType.objects.get(code="7"))
    off = api.patch(url, {"active": False}, format="json")
    assert off.json()["active"] is False
    assert api.delete(url).status_code == 405  # never deleted: deactivate instead
    assert TicketType.objects.filter(code="7").exists()


def test_create_refuses_a_bad_code_and_a_taken_name(bearer, admin_user):
    api = bearer(admin_user)
    api.post(URL, {"code": "1", "name": "Billing"}, format="json")
    response = api.post(URL, {"code": "01", "name": "BILLING"}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert "whole number" in errors["code"][0]
    assert "already exists" in str(errors)


def test_import_previews_then_writes(bearer, admin_user, agent_api):
    api = bearer(admin_user)
    body = json.dumps({"1": "Technical Issue", "2": "Billing"}).encode()
    url = f"{URL}import/"
    refused = agent_api.generic("POST", url, body, content_type="application/json")
    assert refused.status_code == 403
    dry = api.generic(
        "POST", f"{url}?dry_run=true", body, content_type="application/json"
    )
    assert dry.status_code == 200, dry.json()
    assert dry.json()["created"] == 2 and not TicketType.objects.exists()
    done = api.generic("POST", url, body, content_type="application/json")
    assert done.json()["outcome"] == "written"
    assert TicketType.objects.count() == 2


def test_import_refuses_malformed_json_with_line_and_column(bearer, admin_user):
    api = bearer(admin_user)
    response = api.generic(
        "POST", f"{URL}import/", b'{"1": "A",\n "1": }', content_type="application/json"
    )
    assert response.status_code == 400
    assert "line 2" in response.json()["problems"][0]
    empty = api.generic("POST", f"{URL}import/", b"", content_type="application/json")
    assert empty.status_code == 400
