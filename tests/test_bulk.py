"""Bulk actions from the queue (tickets.bulk, tickets.bulk_views)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tickets import bulk, notify
from tickets.models import BulkChange, Notification, Ticket, TicketType

BULK = reverse("tickets:bulk")


def test_the_bulk_bar_asks_to_confirm_with_the_count(agent_client, lead, make_ticket):
    tickets = [make_ticket() for _ in range(3)]
    response = agent_client.post(
        BULK,
        {
            "action": "assign",
            "assignee": lead.pk,
            "ticket": [t.pk for t in tickets[:2]],
        },
    )
    assert response.status_code == 200
    assert "Assign to lead on 2 tickets?" in response.text
    assert not Ticket.objects.filter(assignee=lead).exists()


def test_confirming_assigns_with_one_audited_operation_and_a_history_row_each(
    agent_client, agent, lead, make_ticket
):
    tickets = [make_ticket() for _ in range(3)]
    response = agent_client.post(
        BULK,
        {
            "action": "assign",
            "assignee": lead.pk,
            "ticket": [t.pk for t in tickets],
            "confirm": "1",
            "query": "sort=due",
        },
        follow=True,
    )
    operation = BulkChange.objects.get()
    assert (operation.user, operation.changed, operation.value) == (agent, 3, "lead")
    assert f"Bulk change #{operation.pk}: assign to lead on 3 tickets." in response.text
    assert response.redirect_chain[-1][0].endswith("?sort=due")
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.assignee == lead and ticket.version == 2
        latest = ticket.history.first()
        assert latest.history_user == agent
        assert latest.history_change_reason == f"Bulk change #{operation.pk}"
    page = agent_client.get(tickets[0].get_absolute_url()).text
    assert f"Bulk change #{operation.pk}" in page


def test_a_bulk_assignment_notifies_the_assignee_once_for_all_tickets(
    agent_client, agent, lead, make_ticket, mail_server
):
    tickets = [make_ticket() for _ in range(3)]
    tickets[0].change(assignee_id=lead.pk)  # already theirs: not counted
    data = {"action": "assign", "ticket": [t.pk for t in tickets], "confirm": "1"}
    agent_client.post(BULK, data | {"assignee": lead.pk})
    notification = Notification.objects.get()
    operation = BulkChange.objects.get()
    assert (notification.recipient, notification.actor) == (lead, agent)
    assert (notification.ticket, notification.bulk_change) == (None, operation)
    assert notification.text == "agent assigned 2 tickets to you"
    assert notification.get_absolute_url() == "/tickets/?assignee=me&sort=updated"
    assert notify.send_email(notification.pk) == "sent"
    [message] = mail_server.wait_for(1)
    assert message["Subject"] == "[Customer Flow] agent assigned 2 tickets to you"
    body = message.get_body(("plain",)).get_content()
    assert f"Bulk change #{operation.pk}" in body
    assert "/tickets/?assignee=me&sort=updated" in body
    lead_client = Client()
    lead_client.force_login(lead)
    listing = lead_client.get(reverse("tickets:notifications")).text
    assert f"2 tickets to you</a>: Bulk change #{operation.pk}" in listing
    # Assigning to yourself, or to nobody, notifies nobody.
    agent_client.post(BULK, data | {"assignee": agent.pk})
    agent_client.post(BULK, data | {"assignee": ""})
    assert Notification.objects.count() == 1


def test_all_matching_the_view_changes_every_match_and_no_other(
    agent_client, make_ticket
):
    urgent = [make_ticket(priority=4) for _ in range(3)]
    other = make_ticket(priority=1)
    agent_client.post(
        BULK,
        {
            "action": "status",
            "status": "pending",
            "all_matching": "1",
            "query": "priority=4",
            "confirm": "1",
        },
    )
    assert {t.status for t in Ticket.objects.filter(pk__in=[t.pk for t in urgent])} == {
        "pending"
    }
    paused = Ticket.objects.get(pk=urgent[0].pk)
    assert paused.sla_paused_at is not None and paused.sla_state == "paused"
    other.refresh_from_db()
    assert other.status == "open"


def test_tickets_changed_since_the_view_loaded_are_reported_and_left_alone(
    agent_client, make_ticket
):
    loaded_at = timezone.now() - timedelta(minutes=5)
    fresh, touched = make_ticket(), make_ticket()
    Ticket.objects.filter(pk=fresh.pk).update(updated_at=loaded_at - timedelta(hours=1))
    data = {
        "action": "priority",
        "priority": 1,
        "ticket": [fresh.pk, touched.pk],
        "loaded_at": loaded_at.isoformat(),
    }
    confirm = agent_client.post(BULK, data)
    assert "1 of these ticket was changed by someone" in confirm.text
    assert f"#{touched.pk}" in confirm.text
    done = agent_client.post(BULK, data | {"confirm": "1"}, follow=True)
    assert "1 changed by someone since you loaded the view were left alone" in done.text
    assert Ticket.objects.get(pk=fresh.pk).priority == 1
    assert Ticket.objects.get(pk=touched.pk).priority == 2
    agent_client.post(BULK, data | {"confirm": "1", "include_changed": "1"})
    assert Ticket.objects.get(pk=touched.pk).priority == 1


def test_priority_and_status_keep_sla_and_closing_time_in_step(agent, make_ticket):
    ticket = make_ticket(priority=1)
    selection = bulk.Selection([ticket.pk], [])
    bulk.bulk_apply(
        selection=selection, action="priority", value=4, shown="Urgent", user=agent
    )
    ticket.refresh_from_db()
    assert ticket.due_at == ticket.sla_started_at + timedelta(hours=1)
    bulk.bulk_apply(
        selection=selection, action="status", value="pending", shown="", user=agent
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_at=timezone.now() - timedelta(hours=3)
    )
    bulk.bulk_apply(
        selection=selection, action="status", value="closed", shown="", user=agent
    )
    ticket.refresh_from_db()
    assert ticket.closed_at is not None and ticket.due_at is None
    assert ticket.sla_paused_at is None
    moved = ticket.first_response_due_at - ticket.created_at
    assert timedelta(hours=3, minutes=59) < moved < timedelta(hours=4, minutes=1)


def test_tickets_that_already_have_the_value_are_counted_not_written(
    agent, make_ticket
):
    same, other = make_ticket(priority=2), make_ticket(priority=3)
    operation = bulk.bulk_apply(
        selection=bulk.Selection([same.pk, other.pk], []),
        action="priority",
        value=2,
        shown="Normal",
        user=agent,
    )
    assert (operation.changed, operation.unchanged) == (1, 1)
    assert same.history.count() == 1


def test_a_bulk_note_adds_a_note_to_each_ticket(agent_client, make_ticket):
    tickets = [make_ticket() for _ in range(2)]
    agent_client.post(
        BULK,
        {
            "action": "note",
            "note": "Agent off sick; reassigned.",
            "ticket": [t.pk for t in tickets],
            "confirm": "1",
        },
    )
    for ticket in tickets:
        assert ticket.comments.get().body == "Agent off sick; reassigned."


@pytest.mark.parametrize(
    "data,message",
    [
        ({"action": "assign"}, "Select tickets first."),
        ({"action": "status", "ticket": ["1"]}, "Choose a value for this action."),
        ({"action": "explode", "ticket": ["1"]}, "Select a valid choice."),
    ],
)
def test_a_bad_bulk_request_says_what_is_wrong(
    agent_client, make_ticket, data, message
):
    make_ticket()
    response = agent_client.post(BULK, data, follow=True)
    assert message in response.text
    assert not BulkChange.objects.exists()


def test_bulk_needs_the_change_permission(client, make_user_with, make_ticket):
    ticket = make_ticket()
    client.force_login(make_user_with("view_ticket"))
    data = {"action": "priority", "priority": 1, "ticket": [ticket.pk], "confirm": 1}
    assert client.post(BULK, data).status_code == 403
    assert client.get(reverse("tickets:list")).status_code == 200
    assert 'form="bulk-form"' not in client.get(reverse("tickets:list")).text


@pytest.mark.slow
def test_ten_thousand_tickets_change_in_one_operation(agent, make_ticket):
    template = make_ticket()
    Ticket.objects.bulk_create(
        Ticket(
            customer_id=template.customer_id,
            ticket_type_id=template.ticket_type_id,
            subject=f"t{n}",
            sla_started_at=template.created_at,
        )
        for n in range(9_999)
    )
    ids = list(Ticket.objects.values_list("pk", flat=True))
    operation = bulk.bulk_apply(
        selection=bulk.Selection(ids, []),
        action="status",
        value="resolved",
        shown="Resolved",
        user=agent,
    )
    assert operation.changed == 10_000
    assert not Ticket.objects.open().exists()
    assert Ticket.history.filter(history_change_reason__startswith="Bulk").count() == (
        10_000
    )


@pytest.mark.parametrize("chosen", ["", "agent", "outsider"])
def test_the_bulk_bar_offers_the_team_even_when_the_filter_shows_someone_else(
    agent_client, agent, lead, outsider, make_ticket, chosen
):
    people = {"agent": agent, "outsider": outsider}
    make_ticket(assignee=people.get(chosen))
    query = f"?assignee={people[chosen].pk}" if chosen else ""
    response = agent_client.get(reverse("tickets:list") + query)
    team = [("", "Nobody"), (str(agent.pk), "agent"), (str(lead.pk), "lead")]
    bulk = response.context["bulk_form"]["assignee"].field
    assert [(str(v), label) for v, label in bulk.widget.choices] == team
    assert [(str(v), label) for v, label in bulk.choices] == team
    shown = response.text.split('id="bulk_assignee"')[1].split("</select>")[0]
    assert shown.count("<option") == 3 and f'"{outsider.pk}"' not in shown
    # Whoever is chosen is offered by the filter, so their tickets can be found.
    offered = {v for v, _ in response.context["form"]["assignee"].field.widget.choices}
    assert offered - {"", "me", "none"} == {str(agent.pk), str(lead.pk)} | (
        {str(people[chosen].pk)} if chosen else set()
    )


def test_the_bulk_bar_offers_active_types_and_the_filter_every_type(
    agent_client, make_ticket, make_ticket_type
):
    make_ticket()
    old = make_ticket_type(name="Retired", active=False)
    response = agent_client.get(reverse("tickets:list"))
    bulk = response.context["bulk_form"]["ticket_type"].field.widget.choices
    shown = response.context["form"]["ticket_type"].field.widget.choices
    types = list(TicketType.objects.all())
    assert [(str(v), label) for v, label in bulk] == [("", "---------")] + [
        (str(t.pk), str(t)) for t in types if t.active
    ]
    assert [(str(v), label) for v, label in shown] == [("", "Any type")] + [
        (str(t.pk), str(t)) for t in types
    ]
    assert f'<option value="{old.pk}">' in response.text.split('id="bulk_')[0]
