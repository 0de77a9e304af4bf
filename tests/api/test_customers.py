from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from customers.models import Customer
from customers.validation import EMAIL_TAKEN

URL = "/api/v1/customers/"


def test_anonymous_is_refused_with_401_and_a_bearer_challenge(db):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_without_the_permission_gets_403(outsider_api, make_customer):
    customer = make_customer()
    assert outsider_api.get(URL).status_code == 403
    assert outsider_api.get(f"{URL}{customer.pk}/").status_code == 403
    body = {"name": "Ada", "email": "ada@example.com"}
    assert outsider_api.post(URL, body, format="json").status_code == 403


def test_list_pages_by_cursor_in_id_order(agent_api, make_customer):
    made = [make_customer().pk for _ in range(5)]
    first = agent_api.get(URL, {"page_size": 2}).json()
    assert [c["id"] for c in first["results"]] == made[:2]
    second = agent_api.get(first["next"]).json()
    assert [c["id"] for c in second["results"]] == made[2:4]
    assert "count" not in first


def test_list_searches_filters_and_orders(agent_api, make_customer):
    make_customer(name="Zed Archived", email="zed@example.com").archive()
    make_customer(name="Bea", email="bea@example.com")
    make_customer(name="anna", email="anna@example.com")
    names = [
        c["name"] for c in agent_api.get(URL, {"ordering": "name"}).json()["results"]
    ]
    assert names == ["anna", "Bea"]
    found = agent_api.get(URL, {"q": "bea"}).json()["results"]
    assert [c["name"] for c in found] == ["Bea"]
    archived = agent_api.get(URL, {"status": "archived"}).json()["results"]
    assert [c["name"] for c in archived] == ["Zed Archived"]


@pytest.mark.parametrize(
    "query", [{"ordering": "salary"}, {"status": "gone"}, {"cursor": "nonsense"}]
)
def test_a_bad_list_parameter_is_a_clear_4xx(agent_api, query):
    response = agent_api.get(URL, query)
    assert response.status_code in (400, 404)
    assert response.json()


def test_retrieve_carries_the_version_as_etag(agent_api, make_customer):
    customer = make_customer()
    response = agent_api.get(f"{URL}{customer.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["email"] == customer.email


def test_create_uses_the_forms_rules_and_messages(agent_api, make_customer):
    taken = make_customer(email="ada@example.com")
    response = agent_api.post(
        URL, {"name": "Ada", "email": "ADA@example.com"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["email"] == [EMAIL_TAKEN % {"id": taken.pk}]
    response = agent_api.post(
        URL,
        {"name": "Bob", "email": "bob@example.com", "phone": "+44 20 7946 0958"},
        format="json",
    )
    assert response.status_code == 201
    assert response["Location"].endswith(f"/{response.json()['id']}/")
    assert Customer.objects.get(email="bob@example.com").phone == "+44 20 7946 0958"


def test_create_refuses_a_value_that_is_not_one_value(agent_api):
    response = agent_api.post(URL, {"name": ["a"], "email": {}}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name", "email"}


def test_a_change_needs_if_match(agent_api, make_customer):
    customer = make_customer()
    response = agent_api.patch(f"{URL}{customer.pk}/", {"name": "New"}, format="json")
    assert response.status_code == 428


def test_a_stale_change_gets_412_with_the_current_customer(agent_api, make_customer):
    customer = make_customer(name="Old")
    customer.name = "Changed meanwhile"
    customer.save()
    response = agent_api.patch(
        f"{URL}{customer.pk}/", {"name": "Mine"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    assert response.json()["current"]["name"] == "Changed meanwhile"
    customer.refresh_from_db()
    assert customer.name == "Changed meanwhile"


def test_a_current_change_is_saved_with_a_new_etag(agent_api, agent, make_customer):
    customer = make_customer(phone="020 7946 0001")
    response = agent_api.patch(
        f"{URL}{customer.pk}/", {"name": "Renamed"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Renamed", "020 7946 0001")
    assert customer.history.first().history_user == agent


def test_put_replaces_and_validates(agent_api, make_customer):
    customer = make_customer(phone="020 7946 0001")
    url = f"{URL}{customer.pk}/"
    bad = agent_api.put(
        url, {"name": "", "email": "x"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert bad.status_code == 400
    assert {"name", "email"} <= set(bad.json())
    good = agent_api.put(
        url, {"name": "N", "email": "n@example.com"}, format="json", HTTP_IF_MATCH="*"
    )
    assert good.status_code == 200
    assert good.json()["phone"] == ""


def test_archive_and_restore_need_the_archive_permission(
    agent_api, lead_api, make_customer
):
    customer = make_customer()
    assert agent_api.post(f"{URL}{customer.pk}/archive/").status_code == 403
    archived = lead_api.post(f"{URL}{customer.pk}/archive/")
    assert archived.status_code == 200
    assert archived.json()["archived_at"]
    restored = lead_api.post(f"{URL}{customer.pk}/restore/")
    assert restored.json()["archived_at"] is None


def test_the_customers_tickets(agent_api, make_ticket, make_customer):
    customer = make_customer()
    ticket = make_ticket(customer=customer)
    make_ticket()
    response = agent_api.get(f"{URL}{customer.pk}/tickets/")
    assert [t["id"] for t in response.json()["results"]] == [ticket.pk]


def test_export_is_formula_neutralised_csv_or_json(lead_api, agent_api, make_customer):
    make_customer(name="=cmd()", email="eve@example.com")
    assert agent_api.get(f"{URL}export/").status_code == 403
    response = lead_api.get(f"{URL}export/")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0] == "ID,Name,Email,Phone"
    assert "'=cmd()" in text
    response = lead_api.get(f"{URL}export/", {"format": "json"})
    assert b'"=cmd()"' in b"".join(response.streaming_content)


def test_an_unknown_or_huge_id_is_a_404(agent_api):
    assert agent_api.get(f"{URL}99999999/").status_code == 404
    assert agent_api.get(f"{URL}99999999999999999999999/").status_code == 404
