"""Keyset pages: every row exactly once, forwards and back, whatever the ties."""

from __future__ import annotations

import base64

import pytest
from django.utils import timezone

from tickets.models import Ticket


def _walk(client, url, link="next"):
    pages = []
    while url:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body[link]
    return pages


def test_tied_rows_page_exactly_once_forwards_and_back(agent_api, make_ticket):
    made = [make_ticket().pk for _ in range(7)]
    same = timezone.now()
    Ticket.objects.update(created_at=same, priority=Ticket.Priority.NORMAL)
    forwards = _walk(agent_api, "/api/v1/tickets/?page_size=2&ordering=queue")
    assert sum(forwards, []) == sorted(made)
    assert [len(page) for page in forwards] == [2, 2, 2, 1]
    last = agent_api.get("/api/v1/tickets/?page_size=2&ordering=queue")
    for _ in range(3):
        last = agent_api.get(last.json()["next"])
    backwards = _walk(agent_api, last.json()["previous"], link="previous")
    assert backwards == [forwards[2], forwards[1], forwards[0]]


def test_customers_by_name_page_through_equal_names(agent_api, make_customer):
    made = [make_customer(name="Same Name").pk for _ in range(5)]
    pages = _walk(agent_api, "/api/v1/customers/?page_size=2&ordering=-name")
    assert sum(pages, []) == sorted(made, reverse=True)


def test_microseconds_survive_the_cursor(agent_api, make_customer):
    made = [make_customer().pk for _ in range(4)]
    pages = _walk(agent_api, "/api/v1/customers/?page_size=1&ordering=created_at")
    assert sum(pages, []) == made


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'{"v": [1, 2, 3], "b": false}').decode(),
        base64.urlsafe_b64encode(b'{"v": [{"a": 1}], "b": false}').decode(),
        base64.urlsafe_b64encode(b'{"v": [1], "b": "yes"}').decode(),
    ],
)
def test_a_cursor_we_did_not_give_out_is_a_404(agent_api, cursor):
    response = agent_api.get("/api/v1/customers/", {"cursor": cursor})
    assert response.status_code == 404
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize("size", ["0", "501", "x", "-1"])
def test_a_bad_page_size_is_a_400(agent_api, size):
    response = agent_api.get("/api/v1/customers/", {"page_size": size})
    assert response.status_code == 400
    assert response.json()["page_size"]


def test_a_page_asks_a_bounded_number_of_queries(
    agent_api, make_customer, django_assert_max_num_queries
):
    for _ in range(30):
        make_customer()
    with django_assert_max_num_queries(6):
        agent_api.get("/api/v1/customers/?page_size=20")
