from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.ticket_forms import change_data
from tickets.models import Ticket, TicketComment

QUEUE = reverse("tickets:list")


def subjects(response) -> list[str]:
    return [t.subject for t in response.context["page"].object_list]


def test_queue_shows_open_and_pending_most_urgent_then_oldest(
    agent_client, make_ticket
):
    old = make_ticket(subject="old normal")
    Ticket.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    make_ticket(subject="new normal")
    make_ticket(subject="urgent", priority=Ticket.Priority.URGENT)
    make_ticket(subject="waiting", status=Ticket.Status.PENDING, priority=3)
    done = make_ticket(subject="done")
    done.set_status("closed")
    done.save()
    response = agent_client.get(QUEUE)
    assert response.status_code == 200
    assert subjects(response) == ["urgent", "waiting", "old normal", "new normal"]


def test_queue_filters_by_status_type_priority_and_customer(
    agent_client, make_ticket, make_ticket_type, make_customer
):
    billing = make_ticket_type(name="Billing")
    ada = make_customer(name="Ada")
    make_ticket(subject="bill", ticket_type=billing)
    make_ticket(subject="ada's", customer=ada, priority=4)
    closed = make_ticket(subject="closed one")
    closed.set_status("closed")
    closed.save()
    assert subjects(agent_client.get(QUEUE, {"ticket_type": billing.pk})) == ["bill"]
    assert subjects(agent_client.get(QUEUE, {"priority": 4})) == ["ada's"]
    assert subjects(agent_client.get(QUEUE, {"customer": ada.pk})) == ["ada's"]
    assert subjects(agent_client.get(QUEUE, {"status": "closed"})) == ["closed one"]
    assert len(subjects(agent_client.get(QUEUE, {"status": "all"}))) == 3


def test_queue_filters_by_assignee_mine_and_unassigned(
    agent_client, agent, lead, make_ticket
):
    make_ticket(subject="mine", assignee=agent)
    make_ticket(subject="theirs", assignee=lead)
    make_ticket(subject="nobody's")
    assert subjects(agent_client.get(QUEUE, {"assignee": "me"})) == ["mine"]
    assert subjects(agent_client.get(QUEUE, {"assignee": "none"})) == ["nobody's"]
    assert subjects(agent_client.get(QUEUE, {"assignee": lead.pk})) == ["theirs"]


def test_queue_reports_a_bad_filter_and_ignores_it(agent_client, make_ticket):
    make_ticket(subject="still listed")
    response = agent_client.get(QUEUE, {"priority": "9", "customer": "9" * 30})
    assert response.status_code == 200
    assert subjects(response) == ["still listed"]
    assert "Select a valid choice" in response.text


@pytest.mark.parametrize("rows", [2, 60])
def test_queue_runs_a_fixed_number_of_queries(
    agent_client,
    make_ticket,
    make_customer,
    make_ticket_type,
    agent,
    rows,
    django_assert_max_num_queries,
):
    customer, kind = make_customer(), make_ticket_type()
    for n in range(rows):
        make_ticket(
            subject=f"t{n}", customer=customer, ticket_type=kind, assignee=agent
        )
    # +1: the bell's unread count.
    # +9: the six built-in views' counts, the saved views, and the bulk bar's
    # people and types.
    with django_assert_max_num_queries(18):
        agent_client.get(QUEUE)


def test_open_a_ticket_from_the_customer_page(
    agent_client, agent, make_customer, make_ticket_type
):
    customer = make_customer()
    kind = make_ticket_type(name="Billing")
    make_ticket_type(name="Retired", active=False)
    url = reverse("tickets:create", args=[customer.pk])
    form = agent_client.get(url)
    assert "Billing" in form.text and "Retired" not in form.text
    response = agent_client.post(
        url,
        {
            "ticket_type": kind.pk,
            "subject": "Refund",
            "priority": 2,
            "description": "",
            "assignee": agent.pk,
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()
    assert (ticket.customer, ticket.opened_by, ticket.assignee) == (
        customer,
        agent,
        agent,
    )
    assert ticket.status == "open"


def test_opening_a_ticket_refuses_an_inactive_type(
    agent_client, make_customer, make_ticket_type
):
    customer = make_customer()
    retired = make_ticket_type(active=False)
    response = agent_client.post(
        reverse("tickets:create", args=[customer.pk]),
        {"ticket_type": retired.pk, "subject": "x", "priority": 2},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Ticket.objects.exists()


def test_opening_a_ticket_for_an_archived_customer_is_refused(
    agent_client, make_customer, make_ticket_type
):
    customer = make_customer()
    customer.archive()
    kind = make_ticket_type()
    response = agent_client.post(
        reverse("tickets:create", args=[customer.pk]),
        {"ticket_type": kind.pk, "subject": "x", "priority": 2},
        follow=True,
    )
    assert "Restore this customer before opening a ticket." in response.text
    assert not Ticket.objects.exists()


def test_detail_shows_one_timeline_of_comments_and_changes(
    agent_client, agent, make_ticket
):
    ticket = make_ticket(subject="Printer on fire")
    TicketComment.objects.create(ticket=ticket, author=agent, body="Called back.")
    agent_client.post(
        reverse("tickets:change", args=[ticket.pk]),
        change_data(ticket, status="pending", priority=3, assignee=agent.pk),
    )
    response = agent_client.get(ticket.get_absolute_url())
    text = response.text
    assert response.status_code == 200
    assert "Called back." in text
    assert "<del>Open</del> → <ins>Pending</ins>" in text
    assert "<del>Normal</del> → <ins>High</ins>" in text
    assert "<del>—</del> → <ins>agent</ins>" in text
    assert text.index("Called back.") < text.index("<del>Open</del>")


def test_add_a_comment(agent_client, agent, make_ticket):
    ticket = make_ticket()
    response = agent_client.post(
        reverse("tickets:comment", args=[ticket.pk]), {"body": "On it."}
    )
    assert response.status_code == 302
    comment = ticket.comments.get()
    assert (comment.body, comment.author) == ("On it.", agent)


def test_an_empty_comment_is_refused_with_a_message(agent_client, make_ticket):
    ticket = make_ticket()
    response = agent_client.post(
        reverse("tickets:comment", args=[ticket.pk]), {"body": "  "}
    )
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert not ticket.comments.exists()


def test_closing_sets_closed_at_and_reopening_clears_it(agent_client, make_ticket):
    ticket = make_ticket()
    url = reverse("tickets:change", args=[ticket.pk])
    agent_client.post(url, change_data(ticket, status="closed"))
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at is not None
    agent_client.post(url, change_data(ticket, status="open"))
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.closed_at is None


def test_a_bad_status_is_refused_and_not_shown_as_saved(agent_client, make_ticket):
    ticket = make_ticket()
    response = agent_client.post(
        reverse("tickets:change", args=[ticket.pk]),
        change_data(ticket, status="exploded"),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert response.context["ticket"].status == "open"
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_ticket_detail_of_a_missing_ticket_is_404(agent_client):
    assert agent_client.get(reverse("tickets:detail", args=[999])).status_code == 404


def test_ticket_types_are_listed_read_only(agent_client, make_ticket_type):
    make_ticket_type(name="Billing")
    make_ticket_type(name="Retired", active=False)
    response = agent_client.get(reverse("tickets:types"))
    assert response.status_code == 200
    assert "Billing" in response.text and "Inactive" in response.text
    assert "<form" not in response.text.split("<main")[1]


def test_ticket_detail_runs_a_fixed_number_of_queries(
    agent_client, agent, make_ticket, django_assert_max_num_queries
):
    ticket = make_ticket()
    for n in range(30):
        TicketComment.objects.create(ticket=ticket, author=agent, body=f"c{n}")
        ticket.priority = 1 + n % 4
        ticket.save()
    # +5: the bell, the timeline's page count, its attachments and mentions, and
    # who updated the ticket last.
    with django_assert_max_num_queries(17):
        agent_client.get(ticket.get_absolute_url())


@pytest.mark.parametrize("rows", [1, 30])
def test_ticket_types_list_runs_a_fixed_number_of_queries(
    agent_client, make_ticket_type, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        make_ticket_type()
    # session, user, two for permissions, the types, the bell
    with django_assert_max_num_queries(6):
        agent_client.get(reverse("tickets:types"))


def test_a_ticket_written_without_history_still_shows_when_it_opened_and_closed(
    agent_client, make_ticket
):
    from django.utils import timezone

    ticket = make_ticket()
    ticket.set_status("resolved")
    ticket.save()
    ticket.history.all().delete()  # as seed_demo writes them: bulk SQL, no history
    page = agent_client.get(ticket.get_absolute_url()).text
    assert "Nothing has happened yet" not in page
    assert "Someone</strong> opened the ticket" in page
    assert "Someone</strong> marked it resolved" in page
    assert timezone.localtime(ticket.closed_at).strftime("%-d %b %Y, %H:%M") in page
