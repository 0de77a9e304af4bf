from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tickets.models import Ticket, TicketComment

URL = "/api/v1/tickets/"


def test_anonymous_and_outsider_are_refused(db, outsider_api, make_ticket):
    ticket = make_ticket()
    assert APIClient().get(URL).status_code == 401
    assert outsider_api.get(f"{URL}{ticket.pk}/").status_code == 403
    assert outsider_api.get("/api/v1/attachments/1/").status_code == 403


def test_list_is_the_queue_with_its_filters(agent_api, make_ticket, agent):
    urgent = make_ticket(priority=Ticket.Priority.URGENT, assignee=agent)
    normal = make_ticket()
    closed = make_ticket()
    closed.change(status="closed", priority=2, assignee=None)
    ids = [t["id"] for t in agent_api.get(URL).json()["results"]]
    assert ids == [urgent.pk, normal.pk]
    mine = agent_api.get(URL, {"assignee": "me"}).json()["results"]
    assert [t["id"] for t in mine] == [urgent.pk]
    done = agent_api.get(URL, {"status": "closed"}).json()["results"]
    assert [t["id"] for t in done] == [closed.pk]


def test_a_bad_filter_is_a_400_naming_it(agent_api):
    response = agent_api.get(URL, {"priority": "9", "ticket_type": "x"})
    assert response.status_code == 400
    assert {"priority", "ticket_type"} <= set(response.json())


def test_create_opens_a_ticket_with_the_forms_rules(
    agent_api, agent, make_customer, make_ticket_type
):
    customer = make_customer()
    kind = make_ticket_type()
    inactive = make_ticket_type(active=False)
    body = {"customer": customer.pk, "ticket_type": inactive.pk, "subject": "Hi"}
    refused = agent_api.post(URL, body, format="json")
    assert refused.status_code == 400
    assert "ticket_type" in refused.json()
    body["ticket_type"] = kind.pk
    created = agent_api.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    ticket = Ticket.objects.get(pk=created.json()["id"])
    assert ticket.opened_by == agent and ticket.customer == customer
    assert created["ETag"]


def test_create_refuses_an_archived_or_missing_customer(
    agent_api, make_customer, make_ticket_type
):
    customer = make_customer()
    customer.archive()
    kind = make_ticket_type()
    for value in (customer.pk, 10**30, "x"):
        body = {"customer": value, "ticket_type": kind.pk, "subject": "Hi"}
        response = agent_api.post(URL, body, format="json")
        assert response.status_code == 400
        assert "customer" in response.json()


def test_change_needs_a_current_if_match(agent_api, make_ticket):
    ticket = make_ticket()
    url = f"{URL}{ticket.pk}/"
    assert agent_api.patch(url, {"status": "pending"}, format="json").status_code == 428
    etag = agent_api.get(url)["ETag"]
    changed = agent_api.patch(
        url, {"status": "resolved"}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["closed_at"]
    assert changed["ETag"] != etag
    stale = agent_api.patch(url, {"status": "open"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["current"]["status"] == "resolved"


def test_change_refuses_a_bad_value(agent_api, make_ticket):
    ticket = make_ticket()
    url = f"{URL}{ticket.pk}/"
    response = agent_api.patch(
        url, {"status": "exploded"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 400
    assert "status" in response.json()


def test_a_note_with_an_attachment_goes_through_the_conversation(
    agent_api, make_ticket
):
    ticket = make_ticket()
    file = SimpleUploadedFile("log.txt", b"hello", content_type="text/plain")
    response = agent_api.post(
        f"{URL}{ticket.pk}/notes/",
        {"body": "Looked at it", "attachments": [file]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "note"
    assert response.json()["attachments"][0]["filename"] == "log.txt"
    comments = agent_api.get(f"{URL}{ticket.pk}/comments/").json()["results"]
    assert [c["body"] for c in comments] == ["Looked at it"]
    attachment = comments[0]["attachments"][0]["id"]
    download = agent_api.get(f"/api/v1/attachments/{attachment}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"hello"
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_reply_is_queued_for_email(agent_api, make_ticket):
    ticket = make_ticket()
    response = agent_api.post(
        f"{URL}{ticket.pk}/replies/", {"body": "Fixed"}, format="json"
    )
    assert response.status_code == 201
    comment = TicketComment.objects.get(pk=response.json()["id"])
    assert comment.kind == "reply" and comment.send_state == "queued"


def test_a_message_needs_a_body(agent_api, make_ticket):
    ticket = make_ticket()
    response = agent_api.post(f"{URL}{ticket.pk}/notes/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["body"] == ["This field is required."]


def test_an_attachment_over_the_limit_is_refused(agent_api, make_ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    ticket = make_ticket()
    file = SimpleUploadedFile("big.txt", b"x" * 100)
    response = agent_api.post(
        f"{URL}{ticket.pk}/notes/",
        {"body": "big", "attachments": [file]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "larger than" in response.json()["attachments"][0]
