"""Built-in and saved queue views (tickets.saved_views, tickets.queue_views)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tickets.forms import TicketFilterForm
from tickets.models import SavedView, Ticket

QUEUE = reverse("tickets:list")
SAVE = reverse("tickets:view_save")


def counts(response, group: str = "built_in") -> dict[str, int]:
    return {c.view.name: c.count for c in response.context["views"][group]}


def test_built_in_views_are_listed_with_live_counts(agent_client, agent, make_ticket):
    make_ticket(assignee=agent)
    late = make_ticket()
    done = make_ticket()
    done.change(status="closed")
    Ticket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    response = agent_client.get(QUEUE)
    assert counts(response) == {
        "My open": 1,
        "Unassigned": 1,
        "Overdue": 1,
        "Breaching soon": 0,
        "All open": 2,
        "Recently updated": 3,
    }
    mine = agent_client.get(QUEUE + "?assignee=me&sort=due")
    assert [c.view.name for c in mine.context["views"]["built_in"] if c.current] == [
        "My open"
    ]
    assert 'aria-current="page">My open' in mine.text


def test_an_agent_saves_a_personal_view_others_do_not_see_it(
    agent_client, client, lead, make_ticket
):
    make_ticket(priority=4)
    response = agent_client.post(
        SAVE, {"name": "Urgent", "query": "priority=4&page=3&bogus=1"}, follow=True
    )
    view = SavedView.objects.get()
    assert (view.query, view.shared) == ("priority=4", False)
    assert "View “Urgent” saved." in response.text
    assert counts(response, "personal") == {"Urgent": 1}
    client.force_login(lead)
    assert counts(client.get(QUEUE), "shared") == {}


def test_only_leads_share_views_and_everyone_sees_them(agent_client, lead):
    lead_client = Client()
    lead_client.force_login(lead)
    refused = agent_client.post(
        SAVE, {"name": "Team", "query": "sla=overdue", "shared": "on"}, follow=True
    )
    assert "Only support leads can share views" in refused.text
    assert not SavedView.objects.exists()
    lead_client.post(SAVE, {"name": "Team", "query": "sla=overdue", "shared": "on"})
    view = SavedView.objects.get()
    assert view.shared
    assert counts(agent_client.get(QUEUE), "shared") == {"Team": 0}
    # An agent may not delete the team's view; a lead may.
    agent_client.post(reverse("tickets:view_delete", args=[view.pk]))
    assert SavedView.objects.exists()
    lead_client.post(reverse("tickets:view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_a_view_name_is_required_and_unique_per_person(agent_client):
    empty = agent_client.post(SAVE, {"name": "", "query": ""}, follow=True)
    assert "This field is required." in empty.text
    agent_client.post(SAVE, {"name": "Mine", "query": "assignee=me"})
    again = agent_client.post(SAVE, {"name": "MINE", "query": "sla=soon"}, follow=True)
    assert "already have a view with this name" in again.text
    assert SavedView.objects.count() == 1


def test_someone_elses_personal_view_cannot_be_deleted(agent_client, lead, make_ticket):
    view = SavedView.objects.create(name="Lead's", owner=lead, query="")
    response = agent_client.post(reverse("tickets:view_delete", args=[view.pk]))
    assert response.status_code == 404
    assert SavedView.objects.exists()


def test_saving_a_view_needs_ticket_access_and_post(outsider_client):
    assert outsider_client.post(SAVE, {"name": "x"}).status_code == 403
    assert outsider_client.get(SAVE).status_code in (403, 405)


@pytest.mark.parametrize("saved", [0, 5])
def test_the_queue_runs_the_same_number_of_queries_whatever_the_saved_views(
    agent_client, agent, make_ticket, saved, django_assert_max_num_queries
):
    for n in range(saved):
        SavedView.objects.create(
            name=f"v{n}", owner=agent, query=f"priority={n % 4 + 1}"
        )
    make_ticket()
    # All the views' counts are one query; the filters and the bulk bar share
    # their people and ticket types.
    with django_assert_max_num_queries(11):
        agent_client.get(QUEUE)


def test_an_owner_renames_their_view(agent_client, agent):
    view = SavedView.objects.create(name="Urgent", owner=agent, query="priority=4")
    SavedView.objects.create(name="Mine", owner=agent, query="assignee=me")
    rename = reverse("tickets:view_rename", args=[view.pk])
    response = agent_client.post(rename, {"name": "Fires"}, follow=True)
    assert "View “Urgent” renamed to “Fires”." in response.text
    assert counts(response, "personal") == {"Fires": 0, "Mine": 0}
    taken = agent_client.post(rename, {"name": "MINE"}, follow=True)
    assert "You already have a view with this name." in taken.text
    empty = agent_client.post(rename, {"name": " "}, follow=True)
    assert "New name: This field is required." in empty.text
    view.refresh_from_db()
    assert (view.name, view.query) == ("Fires", "priority=4")


def test_only_leads_rename_shared_views_and_nobody_renames_others_personal(
    agent_client, agent, lead
):
    shared = SavedView.objects.create(name="Team", owner=lead, query="", shared=True)
    personal = SavedView.objects.create(name="Lead's", owner=lead, query="")
    refused = agent_client.post(
        reverse("tickets:view_rename", args=[shared.pk]), {"name": "Mine"}, follow=True
    )
    assert "Only support leads can rename the team&#x27;s views." in refused.text
    hidden = agent_client.post(
        reverse("tickets:view_rename", args=[personal.pk]), {"name": "Mine"}
    )
    assert hidden.status_code == 404
    other_lead = type(lead).objects.create(username="lead2")
    other_lead.groups.set(lead.groups.all())
    lead_client = Client()
    lead_client.force_login(other_lead)
    lead_client.post(reverse("tickets:view_rename", args=[shared.pk]), {"name": "All"})
    shared.refresh_from_db()
    personal.refresh_from_db()
    assert (shared.name, shared.owner, personal.name) == ("All", lead, "Lead's")


def test_renaming_a_view_needs_ticket_access_and_post(outsider_client, agent):
    view = SavedView.objects.create(name="Urgent", owner=agent, query="")
    rename = reverse("tickets:view_rename", args=[view.pk])
    assert outsider_client.post(rename, {"name": "x"}).status_code == 403
    assert outsider_client.get(rename).status_code in (403, 405)
    assert SavedView.objects.get().name == "Urgent"


def test_a_view_whose_search_finds_nothing_counts_zero(
    agent_client, agent, make_ticket
):
    make_ticket(subject="Printer on fire")
    SavedView.objects.create(name="Nothing", owner=agent, query="q=zzyzx")
    SavedView.objects.create(name="Printers", owner=agent, query="q=printer")
    response = agent_client.get(QUEUE)
    assert counts(response, "personal") == {"Nothing": 0, "Printers": 1}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "assignee=me&sort=due",
        "assignee=none&priority=4&sort=-priority",
        "status=all&sort=updated",
        "sla=overdue&sort=due",
        "ticket_type=TYPE",
        "ticket_type=999999",
        "q=printer",
        "q=printer&sort=-created",
        "status=bogus&priority=9&customer=-1&assignee=x&sort=nope&q=" + "x" * 201,
    ],
)
def test_a_views_tickets_are_the_queues_for_its_query_without_a_form(
    query, agent, make_ticket, make_ticket_type
):
    kind = make_ticket_type()
    make_ticket(subject="Printer on fire", assignee=agent, priority=4)
    make_ticket(subject="Printer jam", ticket_type=kind)
    closed = make_ticket(subject="Invoice")
    closed.change(status="closed")
    query = query.replace("TYPE", str(kind.pk))
    form = TicketFilterForm(QueryDict(query))
    expected = list(form.filter(Ticket.objects.all(), agent).values_list("pk"))
    tickets = TicketFilterForm.view_tickets(query, Ticket.objects.all(), agent)
    assert list(tickets.values_list("pk")) == expected
