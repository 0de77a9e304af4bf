"""SLA targets and due times (tickets.sla) and what the conversation does to them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tickets import conversation, outbound
from tickets.models import SlaPolicy, Ticket, TicketComment


def test_default_targets_are_shipped_for_every_priority(db):
    hours = {
        p.priority: (p.first_response_hours, p.resolution_hours)
        for p in SlaPolicy.objects.all()
    }
    assert hours == {4: (1, 8), 3: (4, 24), 2: (8, 72), 1: (24, 120)}


def test_a_new_ticket_is_due_by_its_priority_targets(make_ticket):
    ticket = make_ticket(priority=Ticket.Priority.NORMAL)
    assert ticket.first_response_due_at == ticket.sla_started_at + timedelta(hours=8)
    assert ticket.resolution_due_at == ticket.sla_started_at + timedelta(hours=72)
    assert ticket.due_at == ticket.first_response_due_at
    assert ticket.waiting_since is not None
    assert ticket.sla_state == "ok"


def test_changing_the_priority_moves_the_due_times(make_ticket):
    ticket = make_ticket(priority=Ticket.Priority.LOW)
    ticket.change(priority=Ticket.Priority.HIGH)
    assert ticket.due_at == ticket.sla_started_at + timedelta(hours=4)


def test_pending_pauses_the_clock_and_reopening_moves_the_due_times_on(make_ticket):
    ticket = make_ticket()
    due = ticket.due_at
    ticket.change(status="pending")
    assert ticket.sla_state == "paused"
    # Two hours later the customer answers: the two hours do not count.
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_at=timezone.now() - timedelta(hours=2)
    )
    ticket.refresh_from_db()
    ticket.change(status="open")
    assert ticket.sla_paused_at is None
    assert abs(ticket.due_at - due - timedelta(hours=2)) < timedelta(seconds=5)


def test_resolving_clears_the_due_time_and_reopening_restores_it(make_ticket):
    ticket = make_ticket()
    ticket.change(status="resolved")
    assert ticket.due_at is None and ticket.sla_state == ""
    ticket.change(status="open")
    assert ticket.due_at == ticket.first_response_due_at


def test_the_first_sent_reply_stops_the_first_response_clock(
    make_ticket, agent, mail_server
):
    ticket = make_ticket()
    reply = conversation.reply_create(ticket=ticket, author=agent, body="On it")
    outbound.send_reply(reply.pk)
    ticket.refresh_from_db()
    assert ticket.first_response_at == reply.created_at
    assert ticket.due_at == ticket.resolution_due_at
    assert ticket.waiting_since is None
    assert ticket.version == 1  # bookkeeping: no colleague's form goes stale


def test_a_customer_message_starts_the_wait_and_reopens(make_ticket):
    ticket = make_ticket()
    ticket.change(status="pending")
    Ticket.objects.filter(pk=ticket.pk).update(waiting_since=None)
    comment = TicketComment.objects.create(
        ticket=ticket, kind="inbound", body="Still broken", from_address="a@b.c"
    )
    conversation.customer_message_received(comment)
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.sla_paused_at is None
    assert ticket.waiting_since == comment.created_at


def test_overdue_and_breaching_soon_pick_running_clocks_only(make_ticket, settings):
    settings.SLA_BREACHING_SOON_MINUTES = 60
    now = timezone.now()
    late = make_ticket(subject="late")
    soon = make_ticket(subject="soon")
    paused = make_ticket(subject="paused", status="pending")
    make_ticket(subject="later")
    Ticket.objects.filter(pk__in=[late.pk, paused.pk]).update(
        due_at=now - timedelta(minutes=1)
    )
    Ticket.objects.filter(pk=soon.pk).update(due_at=now + timedelta(minutes=30))
    assert [t.subject for t in Ticket.objects.overdue()] == ["late"]
    assert [t.subject for t in Ticket.objects.breaching_soon()] == ["soon"]
    late.refresh_from_db()
    soon.refresh_from_db()
    assert (late.sla_state, soon.sla_state) == ("overdue", "soon")
