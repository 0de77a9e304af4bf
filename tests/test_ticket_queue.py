"""The queue's sorts, columns and New ticket picker (tickets.views, tickets.queue)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from tickets.forms import TicketFilterForm
from tickets.models import Ticket
from tickets.queue import SORTS

QUEUE = reverse("tickets:list")
SORTS_IN_INDEXES = ("priority", "due", "status")


def subjects(response) -> list[str]:
    return [t.subject for t in response.context["page"].object_list]


@pytest.fixture
def three(make_ticket, make_customer, agent, lead):
    now = timezone.now()
    tickets = [
        make_ticket(
            subject="a", priority=1, customer=make_customer(name="Zed"), assignee=lead
        ),
        make_ticket(
            subject="b",
            priority=4,
            customer=make_customer(name="amy"),
            status="pending",
        ),
        make_ticket(
            subject="c", priority=2, customer=make_customer(name="Bob"), assignee=agent
        ),
    ]
    for n, ticket in enumerate(tickets):
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=now - timedelta(days=3 - n),
            updated_at=now - timedelta(hours=n),
            due_at=now + timedelta(hours=[5, 1, 3][n]),
            waiting_since=now - timedelta(hours=[1, 9, 4][n]),
        )
    return tickets


@pytest.mark.parametrize(
    "sort,expected",
    [
        ("", ["b", "c", "a"]),
        ("priority", ["b", "c", "a"]),
        ("-priority", ["a", "c", "b"]),
        ("updated", ["a", "b", "c"]),
        ("-updated", ["c", "b", "a"]),
        ("created", ["c", "b", "a"]),
        ("due", ["b", "c", "a"]),
        ("-due", ["a", "c", "b"]),
        ("waiting", ["b", "c", "a"]),
        ("status", ["c", "a", "b"]),
        ("customer", ["b", "c", "a"]),
        ("-customer", ["a", "c", "b"]),
        ("assignee", ["c", "a", "b"]),
        ("-assignee", ["b", "a", "c"]),
        ("nonsense", ["b", "c", "a"]),
    ],
)
def test_the_queue_sorts_by_each_column(agent_client, three, sort, expected, agent):
    agent.first_name = "Agnes"  # before "lead" by display name; unassigned last
    agent.save()
    response = agent_client.get(QUEUE, {"sort": sort} if sort else {})
    assert response.status_code == 200
    assert subjects(response) == expected


def test_every_sort_is_offered_as_a_column_header(agent_client, three):
    text = agent_client.get(QUEUE).text
    for key in SORTS:
        assert f"sort={key}" in text or f"sort=-{key}" in text
    assert 'aria-sort="descending"' in text  # priority, the default


def test_the_queue_shows_last_update_waiting_since_and_due_with_badges(
    agent_client, make_ticket
):
    late = make_ticket(subject="late")
    Ticket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=2))
    text = agent_client.get(QUEUE).text
    for header in ("Last update", "Waiting since", "Due"):
        assert header in text
    assert "Overdue" in text and "2 h late" in text


def test_sla_filter_lists_overdue_and_breaching_soon(agent_client, make_ticket):
    late = make_ticket(subject="late")
    soon = make_ticket(subject="soon")
    make_ticket(subject="fine")
    now = timezone.now()
    Ticket.objects.filter(pk=late.pk).update(due_at=now - timedelta(minutes=5))
    Ticket.objects.filter(pk=soon.pk).update(due_at=now + timedelta(minutes=5))
    assert subjects(agent_client.get(QUEUE, {"sla": "overdue"})) == ["late"]
    assert subjects(agent_client.get(QUEUE, {"sla": "soon"})) == ["soon"]


def test_new_ticket_picks_the_customer_by_search(agent_client, make_customer):
    ada = make_customer(name="Ada Lovelace")
    make_customer(name="Bob")
    page = agent_client.get(reverse("tickets:new"))
    assert page.status_code == 200 and "Type to find" in page.text
    found = agent_client.get(reverse("tickets:new"), {"q": "lov"})
    assert reverse("tickets:create", args=[ada.pk]) in found.text
    assert "Bob" not in found.text
    partial = agent_client.get(
        reverse("tickets:new"), {"q": "zzz"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in partial.text and "No active customer" in partial.text
    assert "New ticket" in agent_client.get(QUEUE).text


def test_new_ticket_is_forbidden_without_the_permissions(outsider_client):
    assert outsider_client.get(reverse("tickets:new")).status_code == 403


@pytest.mark.parametrize("sort", ["assignee", "-assignee", "customer", "-customer"])
def test_the_sorts_by_another_table_page_as_the_database_orders(
    agent_client, make_ticket, make_customer, make_ticket_type, agent, lead, sort
):
    """The queue reads these group by group (tickets.joined_orders); its pages
    are those of the ORM's ORDER BY (nobody last) on both databases."""
    lead.first_name, lead.last_name = "Aaron", "Zee"  # "Aaron Zee" before "agent"
    lead.save()
    customers = [make_customer(name=name) for name in ("Zoë", "ada", "Ada", "Bob")]
    kind = make_ticket_type()
    people = [agent, None, lead, None, agent]
    Ticket.objects.bulk_create(
        Ticket(
            subject=f"t{n}",
            customer=customers[n % 4 if n % 3 else 0],
            ticket_type=kind,
            assignee=people[n % 5],
            status="open" if n % 7 else "closed",
            closed_at=None if n % 7 else timezone.now(),
        )
        for n in range(130)
    )
    expected = list(Ticket.objects.open().sorted_by(sort).values_list("pk", flat=True))
    shown = []
    for page in (1, 2, 3):
        response = agent_client.get(QUEUE, {"sort": sort, "page": page})
        shown += [t.pk for t in response.context["page"].object_list]
    assert shown == expected
    first = Ticket.objects.get(pk=expected[0])
    assert {
        "assignee": first.assignee == lead,
        "-assignee": first.assignee is None,
        "customer": first.customer == customers[1],  # "ada", the lower ID
        "-customer": first.customer == customers[0],  # Zoë
    }[sort]


@pytest.mark.parametrize(
    "sort", ["priority", "due", "status", "customer", "-customer", "assignee"]
)
@pytest.mark.parametrize("rows", [2, 60])
def test_each_sort_runs_a_fixed_number_of_queries(
    agent_client,
    make_ticket,
    make_customer,
    make_ticket_type,
    agent,
    rows,
    sort,
    django_assert_max_num_queries,
):
    customer, kind = make_customer(), make_ticket_type()
    for n in range(rows):
        make_ticket(
            subject=f"t{n}", customer=customer, ticket_type=kind, assignee=agent
        )
    # By assignee: the people, one index range each (one query), the page's
    # tickets; by customer: the customers, their tickets' IDs, the page's tickets.
    with django_assert_max_num_queries(11 if sort in SORTS_IN_INDEXES else 13):
        agent_client.get(QUEUE, {"sort": sort})


@pytest.mark.parametrize(
    "query", ["sort=assignee&priority=2", "sort=-assignee&assignee=me&sla=overdue"]
)
def test_the_sort_by_assignee_keeps_the_other_filters_for_every_person(
    agent_client, make_ticket, agent, lead, query
):
    people = [agent, lead, None]
    for n in range(12):
        make_ticket(subject=f"t{n}", assignee=people[n % 3], priority=n % 2 + 1)
    Ticket.objects.filter(pk__in=Ticket.objects.all()[:6]).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    response = agent_client.get(QUEUE + "?" + query)
    form = TicketFilterForm(QueryDict(query))
    expected = list(
        form.filter(Ticket.objects.all(), agent).values_list("pk", flat=True)
    )
    assert [t.pk for t in response.context["page"].object_list] == expected
    assert expected
