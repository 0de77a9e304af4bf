from __future__ import annotations

import pytest
from django.urls import reverse

from tests.ticket_forms import change_data
from tickets.models import Ticket
from tickets.services import TicketConflict, ticket_update


def _update(ticket: Ticket, seen: Ticket, user, **values):
    mine = seen.editable_values() | values
    return ticket_update(
        ticket=ticket,
        seen=seen.editable_values(),
        values=mine,
        expected_version=seen.version,
        user=user,
    )


def test_a_stale_save_keeps_the_colleagues_change_and_applies_mine(
    make_ticket, agent, lead
):
    ticket = make_ticket()
    stale = Ticket.objects.get(pk=ticket.pk)
    _update(ticket, Ticket.objects.get(pk=ticket.pk), lead, priority=1)
    update = _update(ticket, stale, agent, status="pending")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("pending", 1)
    assert update.stale and update.kept_theirs == ["priority"]
    assert update.written == ["status"]
    assert update.colleague is not None and update.colleague.who == "lead"


def test_a_true_conflict_writes_nothing(make_ticket, agent, lead):
    ticket = make_ticket()
    stale = Ticket.objects.get(pk=ticket.pk)
    _update(ticket, Ticket.objects.get(pk=ticket.pk), lead, priority=1)
    with pytest.raises(TicketConflict) as raised:
        _update(ticket, stale, agent, priority=4, status="pending")
    assert [c.field for c in raised.value.conflicts] == ["priority"]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.version) == ("open", 1, 2)


def test_a_save_that_changes_nothing_writes_nothing(make_ticket, agent):
    ticket = make_ticket()
    update = _update(ticket, Ticket.objects.get(pk=ticket.pk), agent)
    ticket.refresh_from_db()
    assert update.unchanged and ticket.version == 1
    assert ticket.history.count() == 1


def test_the_page_says_a_no_op_save_saved_nothing(agent_client, make_ticket):
    ticket = make_ticket()
    response = agent_client.post(
        reverse("tickets:change", args=[ticket.pk]), change_data(ticket), follow=True
    )
    assert "Nothing changed, so nothing was saved." in response.text
    assert "updated." not in response.text
    assert ticket.history.count() == 1


def test_the_page_merges_a_stale_save_and_says_who_changed_what(
    agent_client, client, lead, make_ticket
):
    ticket = make_ticket()
    url = reverse("tickets:change", args=[ticket.pk])
    stale = change_data(ticket)
    client.force_login(lead)
    client.post(url, change_data(ticket, priority=1))
    response = agent_client.post(url, stale | {"status": "pending"}, follow=True)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("pending", 1)
    assert "lead updated this ticket" in response.text
    assert "their change to Priority is kept" in response.text


def test_the_page_shows_a_conflict_side_by_side_and_a_second_save_keeps_mine(
    agent_client, client, lead, make_ticket
):
    ticket = make_ticket()
    url = reverse("tickets:change", args=[ticket.pk])
    stale = change_data(ticket)
    client.force_login(lead)
    client.post(url, change_data(ticket, priority=1, status="pending"))
    response = agent_client.post(url, stale | {"priority": 4})
    assert response.status_code == 200
    assert "lead changed the same field while you were editing" in response.text
    assert response.context["conflicts"] == [("Priority", "Urgent", "Low")]
    form = response.context["change_form"]
    assert form.data["priority"] == "4" and form.data["status"] == "pending"
    agent_client.post(url, form.data)
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == (4, "pending")


def test_a_forged_seen_token_counts_as_unseen(agent_client, client, lead, make_ticket):
    ticket = make_ticket()
    url = reverse("tickets:change", args=[ticket.pk])
    stale = change_data(ticket, seen="forged")
    client.force_login(lead)
    client.post(url, change_data(ticket, priority=1))
    response = agent_client.post(url, stale | {"priority": 3})
    assert response.context["conflicts"] == [("Priority", "High", "Low")]


def test_assignee_list_offers_ticket_staff_only_plus_the_current_assignee(
    agent_client, agent, make_ticket, django_user_model
):
    boss = django_user_model.objects.create_superuser("boss", "b@example.com", "x")
    outside = django_user_model.objects.create_user(
        "temp", first_name="Tem", last_name="P"
    )
    ticket = make_ticket(assignee=outside)
    form = agent_client.get(ticket.get_absolute_url()).context["change_form"]
    offered = list(form.fields["assignee"].queryset)
    assert agent in offered and outside in offered and boss not in offered
    assert "Tem P" in agent_client.get(ticket.get_absolute_url()).text
    queue = agent_client.get(reverse("tickets:list"), {"assignee": outside.pk})
    assert [t.pk for t in queue.context["page"].object_list] == [ticket.pk]
