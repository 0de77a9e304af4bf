"""Ticket search (tickets.search) in the queue and the header's #number routing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from tickets import search
from tickets.models import Ticket, TicketComment
from tickets.search import ranked_ids, ticket_number

QUEUE = reverse("tickets:list")


def subjects(response) -> list[str]:
    return [t.subject for t in response.context["page"].object_list]


@pytest.mark.parametrize(
    "text,number",
    [("#1042", 1042), (" # 7 ", 7), ("1042", None), ("#12a", None), ("", None)],
)
def test_a_ticket_number_is_hash_then_digits(text, number):
    assert ticket_number(text) == number


def test_search_finds_subject_description_and_messages_ignoring_accents(
    make_ticket, agent
):
    by_subject = make_ticket(subject="Café printer jammed")
    by_description = make_ticket(subject="x", description="The invoice is wrong")
    by_message = make_ticket(subject="y")
    TicketComment.objects.create(
        ticket=by_message, kind="inbound", body="Résumé attached", from_address="a@b"
    )
    TicketComment.objects.create(ticket=by_message, kind="note", body="Naïve note")
    make_ticket(subject="unrelated")
    assert ranked_ids("cafe") == [by_subject.pk]
    assert ranked_ids("PRINT") == [by_subject.pk]  # a word's start, any case
    assert ranked_ids("invoice") == [by_description.pk]
    assert ranked_ids("resume") == [by_message.pk]
    assert ranked_ids("naive") == [by_message.pk]
    assert ranked_ids("cafe invoice") == []  # every word
    assert ranked_ids('"*) OR NEAR(') == []  # syntax means nothing


def test_words_are_whole_a_star_asks_for_a_start_and_nothing_found_widens(
    make_ticket,
):
    printer = make_ticket(subject="Printer jammed")
    printers = make_ticket(subject="Both printers jammed")
    assert ranked_ids("printer") == [printer.pk]  # whole words, as in mail search
    assert set(ranked_ids("printer*")) == {printer.pk, printers.pk}
    assert set(ranked_ids("jam*")) == {printer.pk, printers.pk}
    # No ticket has the whole word "print": every word becomes a start.
    assert set(ranked_ids("print jammed")) == {printer.pk, printers.pk}
    assert ranked_ids("printers jammed") == [printers.pk]  # found whole: no widening


def test_the_newest_candidates_are_ranked_not_the_oldest(make_ticket, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATES", 2)
    tickets = [make_ticket(subject=f"Router {n}") for n in range(4)]
    assert set(ranked_ids("router")) == {tickets[3].pk, tickets[2].pk}


def test_a_common_word_ranks_its_newest_matches_and_a_rare_word_is_found_anywhere(
    make_ticket,
):
    oldest = make_ticket(subject="Zebra crossing printer")
    Ticket.objects.bulk_create(
        Ticket(customer=oldest.customer, ticket_type=oldest.ticket_type, subject=s)
        for s in [f"Printer {n}" for n in range(search.CANDIDATES + 50)]
    )
    if connection.vendor == "postgresql":  # the statistics that choose the plan
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")
    newest = Ticket.objects.order_by("-pk").values_list("pk", flat=True)
    assert ranked_ids("printer") == list(newest[: search.CANDIDATES])
    assert ranked_ids("zebra") == [oldest.pk]
    assert ranked_ids("zebra printer") == [oldest.pk]


@pytest.mark.parametrize(
    "shares,plan",
    [
        (None, ["NEWEST", "INDEXED"]),  # no statistics yet
        ([0.2], ["NEWEST"]),  # a common word: the newest rows hold enough
        ([0.001], ["INDEXED"]),  # a rare word: its index list is short
        ([0.2, 0.001], ["INDEXED"]),
        ([0.02, 0.02, 0.02], ["NEWEST"]),  # common words, rare together
    ],
)
def test_postgresql_reads_the_newest_rows_for_common_words_and_the_index_for_rare(
    shares, plan
):
    assert search._plan(shares) == [getattr(search, name) for name in plan]


def test_search_follows_edits_and_deletions(make_ticket):
    ticket = make_ticket(subject="Broken kettle")
    ticket.subject = "Broken toaster"
    ticket.save()
    assert ranked_ids("kettle") == [] and ranked_ids("toaster") == [ticket.pk]
    ticket.delete()
    assert ranked_ids("toaster") == []


def test_search_ranks_the_better_match_first(make_ticket):
    once = make_ticket(subject="Printer", description="Something else entirely here")
    often = make_ticket(subject="Printer printer", description="printer printer")
    assert ranked_ids("printer") == [often.pk, once.pk]


def test_the_queue_searches_every_status_by_relevance(agent_client, make_ticket):
    closed = make_ticket(subject="Old printer trouble")
    closed.change(status="closed")
    make_ticket(subject="Fresh printer trouble printer")
    make_ticket(subject="Other")
    response = agent_client.get(QUEUE, {"q": "printer"})
    assert subjects(response) == [
        "Fresh printer trouble printer",
        "Old printer trouble",
    ]
    assert "by relevance" in response.text
    sorted_ = agent_client.get(QUEUE, {"q": "printer", "sort": "created"})
    assert subjects(sorted_) == ["Fresh printer trouble printer", "Old printer trouble"]
    assert subjects(agent_client.get(QUEUE, {"q": "nothing-like-it"})) == []


def test_hash_number_in_the_queue_or_the_header_opens_the_ticket(
    agent_client, make_ticket
):
    ticket = make_ticket()
    queue = agent_client.get(QUEUE, {"q": f"#{ticket.pk}"})
    assert queue.status_code == 302 and queue.url == ticket.get_absolute_url()
    header = agent_client.get(reverse("customers:list"), {"q": f"#{ticket.pk}"})
    assert header.status_code == 302 and header.url == ticket.get_absolute_url()
    missing = agent_client.get(reverse("customers:list"), {"q": "#999999"})
    assert missing.status_code == 302  # the ticket page says it does not exist
    assert agent_client.get(missing.url).status_code == 404


def test_the_customer_results_offer_the_same_words_as_a_ticket_search(
    agent_client, make_customer
):
    make_customer(name="Printer Person")
    text = agent_client.get(reverse("customers:list"), {"q": "printer"}).text
    assert f"{QUEUE}?q=printer" in text


def test_search_at_any_page_size_runs_a_fixed_number_of_queries(
    agent_client, make_ticket, django_assert_max_num_queries
):
    for n in range(60):
        make_ticket(subject=f"printer {n}")
    with django_assert_max_num_queries(19):
        response = agent_client.get(QUEUE, {"q": "printer"})
    assert len(response.context["page"].object_list) == 50
    assert Ticket.objects.count() == 60


def test_the_search_structures_survive_every_migration(db):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname FROM pg_indexes")
            names = {row[0] for row in cursor.fetchall()}
            assert {"ticket_search_idx", "comment_search_idx"} <= names
            return
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    # A later migration that rebuilds either table on SQLite drops these: it must
    # create them again (see tickets/migrations/0013_full_text_search.py).
    for table in ("tickets_ticket_fts", "tickets_comment_fts"):
        assert {f"{table}_ai", f"{table}_ad", f"{table}_au"} <= names
