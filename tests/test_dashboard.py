from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tickets.models import Ticket
from tickets.templatetags import ticket_charts
from tickets.templatetags.ticket_charts import bar_chart

HOME = reverse("dashboard")


def test_dashboard_counts_open_tickets_by_status_and_type(
    agent_client, make_ticket, make_ticket_type
):
    billing = make_ticket_type(name="Billing")
    make_ticket(ticket_type=billing)
    make_ticket(ticket_type=billing, status="pending")
    done = make_ticket(ticket_type=billing)
    done.set_status("resolved")
    done.save()
    response = agent_client.get(HOME)
    assert response.status_code == 200
    assert response.context["by_status"] == [
        ("Open", 1, "status=open"),
        ("Pending", 1, "status=pending"),
    ]
    assert f'href="{reverse("tickets:list")}?status=pending">Pending</a>' in (
        response.text
    )
    assert response.context["by_type"] == [(billing, 2)]


def test_dashboard_lists_my_open_tickets_and_newest_customers(
    agent_client, agent, make_ticket, make_customer
):
    make_ticket(subject="Mine to do", assignee=agent)
    make_ticket(subject="Someone else's")
    make_customer(name="Brand New Customer")
    text = agent_client.get(HOME).text
    assert "Mine to do" in text
    assert "Someone else&#x27;s" not in text
    assert "Brand New Customer" in text


def test_opened_per_day_counts_each_local_day_of_the_last_30(make_ticket, settings):
    settings.TIME_ZONE = "Europe/Paris"
    today = date(2026, 3, 10)
    paris = timezone.get_current_timezone()
    for when in [
        datetime(2026, 3, 10, 0, 30, tzinfo=paris),  # 23:30 UTC the day before
        datetime(2026, 3, 9, 12, 0, tzinfo=paris),
        datetime(2026, 2, 9, 12, 0, tzinfo=paris),  # 29 days before: first bar
        datetime(2026, 2, 8, 12, 0, tzinfo=paris),  # too old
    ]:
        ticket = make_ticket()
        Ticket.objects.filter(pk=ticket.pk).update(created_at=when)
    chart = bar_chart(Ticket.objects.opened_per_day(today=today))
    counts = {bar.day: bar.count for bar in chart.bars}
    assert len(chart.bars) == 30
    assert chart.bars[0].day == today - timedelta(days=29)
    assert counts[today] == 1
    assert counts[date(2026, 3, 9)] == 1
    assert counts[date(2026, 2, 9)] == 1
    assert chart.total == 3 and chart.peak == 1
    tallest = [bar for bar in chart.bars if bar.count]
    assert all(bar.y == ticket_charts.TOP for bar in tallest)


def test_dashboard_chart_is_an_svg_and_changes_with_a_new_ticket(
    agent_client, make_ticket
):
    before = sum(n for _, n in agent_client.get(HOME).context["per_day"])
    make_ticket()
    response = agent_client.get(HOME)
    assert '<svg class="chart"' in response.text
    assert sum(n for _, n in response.context["per_day"]) == before + 1


@pytest.mark.parametrize("rows", [1, 25])
def test_dashboard_runs_a_fixed_number_of_queries(
    agent_client,
    agent,
    make_ticket,
    make_customer,
    make_ticket_type,
    rows,
    django_assert_max_num_queries,
):
    for _ in range(rows):
        make_ticket(
            assignee=agent, customer=make_customer(), ticket_type=make_ticket_type()
        )
    # One query for the capped counts of Unassigned, Overdue, Breaching soon, Mine.
    with django_assert_max_num_queries(12):
        agent_client.get(HOME)


def test_every_work_count_is_a_link_to_its_view(agent_client, agent, make_ticket):
    make_ticket(assignee=agent)
    late = make_ticket()
    Ticket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    response = agent_client.get(HOME)
    work = {c.view.name: c.count for c in response.context["work"]}
    assert work == {"Unassigned": 1, "Overdue": 1, "Breaching soon": 0, "My open": 1}
    for query in ("assignee=none&amp;sort=due", "sla=overdue&amp;sort=due"):
        assert f"{reverse('tickets:list')}?{query}" in response.text
    assert "All 1 of my open tickets" in response.text
    assert response.context["per_agent"] is None  # agents are not leads


def test_leads_see_open_tickets_per_agent(client, lead, agent, make_ticket):
    make_ticket(assignee=agent)
    make_ticket(assignee=agent)
    make_ticket()
    client.force_login(lead)
    response = client.get(HOME)
    assert response.context["per_agent"] == [(agent, 2), (None, 1)]
    assert f"?assignee={agent.pk}" in response.text


def test_the_chart_has_a_count_axis_with_labels(make_ticket):
    for _ in range(4):
        make_ticket()
    chart = bar_chart(Ticket.objects.opened_per_day())
    assert [tick.value for tick in chart.ticks] == [0, 2, 4]
    assert chart.ticks[-1].y == ticket_charts.TOP
    assert chart.ticks[0].y == ticket_charts.HEIGHT
