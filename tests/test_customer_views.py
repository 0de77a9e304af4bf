from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from customers.models import Customer

LIST = reverse("customers:list")


def test_list_shows_active_customers_with_the_count(agent_client, make_customer):
    make_customer(name="Ada Lovelace")
    make_customer(name="Old Customer").archive()
    response = agent_client.get(LIST)
    assert response.status_code == 200
    assert "Ada Lovelace" in response.text
    assert "Old Customer" not in response.text
    assert "1 customer." in response.text


def test_list_filters_archived_and_all(agent_client, make_customer):
    make_customer(name="Ada Lovelace")
    make_customer(name="Old Customer").archive()
    archived = agent_client.get(LIST, {"status": "archived"}).text
    everyone = agent_client.get(LIST, {"status": "all"}).text
    assert "Old Customer" in archived and "Ada Lovelace" not in archived
    assert "Old Customer" in everyone and "Ada Lovelace" in everyone


def test_list_search_finds_by_name_prefix(agent_client, make_customer):
    make_customer(name="Ada Lovelace")
    make_customer(name="Grace Hopper")
    response = agent_client.get(LIST, {"q": "ada"})
    assert "Ada Lovelace" in response.text
    assert "Grace Hopper" not in response.text
    assert "1 customer matching “ada”" in response.text


def test_list_sorts_by_the_chosen_column_both_ways(agent_client, make_customer):
    make_customer(name="Bea")
    make_customer(name="alice")
    make_customer(name="Carl")
    ascending = agent_client.get(LIST, {"sort": "name"}).context["page"].object_list
    descending = agent_client.get(LIST, {"sort": "-name"}).context["page"].object_list
    assert [c.name for c in ascending] == ["alice", "Bea", "Carl"]
    assert [c.name for c in descending] == ["Carl", "Bea", "alice"]


def test_list_ignores_a_bad_sort_status_or_page(agent_client, make_customer):
    make_customer(name="Ada Lovelace")
    make_customer(name="Grace Hopper")
    response = agent_client.get(
        LIST, {"q": "ada", "sort": "password", "status": "x", "page": "999"}
    )
    assert response.status_code == 200
    assert "Ada Lovelace" in response.text
    assert "Grace Hopper" not in response.text  # the valid search still applies


def test_list_survives_absurd_searches(agent_client, make_customer):
    make_customer(name="Ada Lovelace")
    for text in ["9" * 40, "x" * 5000, "\x00", "a\x00b", "%_", "\U0010ffff"]:
        response = agent_client.get(LIST, {"q": text})
        assert response.status_code == 200, text


def test_list_pages_by_fifty_with_page_links(agent_client, make_customer):
    for n in range(51):
        make_customer(name=f"Person {n:02d}")
    first = agent_client.get(LIST)
    second = agent_client.get(LIST, {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 1
    assert 'href="?page=2"' in first.text


def test_htmx_search_returns_only_the_results_fragment(agent_client, make_customer):
    make_customer(name="Ada Lovelace")
    response = agent_client.get(LIST, {"q": "ada"}, HTTP_HX_REQUEST="true")
    assert "Ada Lovelace" in response.text
    assert "<html" not in response.text
    assert 'hx-swap-oob="true"' in response.text
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(agent_client, make_customer):
    response = agent_client.get(
        LIST, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.text


@pytest.mark.parametrize("rows", [3, 60])
def test_list_runs_a_fixed_number_of_queries(
    agent_client, make_customer, django_assert_max_num_queries, rows
):
    for n in range(rows):
        make_customer(name=f"Query {n}", phone="555-0100")
    # session, user, permissions, count, page; a search: one query per kind of match.
    with django_assert_max_num_queries(7):
        agent_client.get(LIST)
    # (a name: its first, second and last word, the email, the names containing
    # it and their customers; then the ranking)
    with django_assert_max_num_queries(13):
        agent_client.get(LIST, {"q": "query"})
    with django_assert_max_num_queries(10):  # ID, first and last digits, rank
        agent_client.get(LIST, {"q": "555"})


def test_detail_shows_fields_open_tickets_first_and_history(
    agent_client, make_customer, make_ticket, agent
):
    customer = make_customer(name="Ada Lovelace", phone="555-0100")
    closed = make_ticket(customer=customer, subject="Old problem")
    closed.set_status("closed")
    closed.save()
    make_ticket(customer=customer, subject="New problem")
    agent_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "name": "Ada King",
            "email": customer.email,
            "phone": "555-0100",
            "version": customer.version,
        },
    )
    response = agent_client.get(customer.get_absolute_url())
    text = response.text
    assert response.status_code == 200
    assert "555-0100" in text and customer.email in text
    assert text.index("New problem") < text.index("Old problem")
    assert "Open a ticket" in text
    assert "<del>Ada Lovelace</del> → <ins>Ada King</ins>" in text
    assert "<strong>agent</strong> changed" in text


@pytest.mark.parametrize("rows", [1, 30])
def test_detail_runs_a_fixed_number_of_queries(
    agent_client,
    agent,
    lead,
    make_customer,
    make_ticket,
    make_ticket_type,
    rows,
    django_assert_max_num_queries,
):
    customer = make_customer()
    for n in range(rows):
        make_ticket(customer=customer, ticket_type=make_ticket_type(), assignee=lead)
        customer.name = f"Name {n}"
        customer._history_user = agent if n % 2 else lead
        customer.save()
    # session, user, permissions, customer, tickets, history, merges, duplicates
    with django_assert_max_num_queries(11):
        agent_client.get(customer.get_absolute_url())


def test_detail_of_a_missing_customer_is_a_friendly_404(agent_client):
    response = agent_client.get(reverse("customers:detail", args=[999]))
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_create_saves_and_says_so(agent_client):
    response = agent_client.post(
        reverse("customers:create"),
        {"name": " Ada Lovelace ", "email": "ada@example.com", "phone": ""},
        follow=True,
    )
    customer = Customer.objects.get()
    assert customer.name == "Ada Lovelace"
    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    assert f"Customer {customer} created." in response.text


def test_create_shows_the_shared_messages_per_field_and_keeps_input(
    agent_client, make_customer
):
    owner = make_customer(email="taken@example.com")
    response = agent_client.post(
        reverse("customers:create"),
        {"name": "Ada Lovelace", "email": "TAKEN@example.com", "phone": "5.55E+09"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["email"] == [
        f"A customer with this email already exists (customer {owner.pk})."
    ]
    assert "spreadsheet turned this phone number" in form.errors["phone"][0]
    assert 'value="Ada Lovelace"' in response.text
    assert Customer.objects.count() == 1


def test_edit_saves_and_raises_the_version(agent_client, make_customer):
    customer = make_customer(name="Ada")
    form = agent_client.get(reverse("customers:edit", args=[customer.pk]))
    assert f'name="version" value="{customer.version}"' in form.text
    response = agent_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "name": "Ada Lovelace",
            "email": customer.email,
            "phone": "",
            "version": customer.version,
            "seen": form.context["form"]["seen"].value(),
        },
        follow=True,
    )
    assert "saved." in response.text
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("Ada Lovelace", 2)


def test_edit_with_an_invalid_email_shows_the_error_and_saves_nothing(
    agent_client, make_customer
):
    customer = make_customer(name="Ada", email="ada@example.com")
    response = agent_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"name": "Ada", "email": "not-an-email", "version": customer.version},
    )
    assert response.status_code == 200
    assert "Enter a valid email address, like name@example.com." in response.text
    assert 'value="not-an-email"' in response.text
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"


def test_a_stale_save_keeps_a_colleagues_change_to_another_field(
    client, make_customer, agent, lead
):
    customer = make_customer(name="Ada", email="ada@example.com", phone="")
    url = reverse("customers:edit", args=[customer.pk])
    client.force_login(agent)
    opened = client.get(url).context["form"]
    base = {"version": customer.version, "seen": opened["seen"].value()}
    fields = {"name": "Ada", "email": "ada@example.com", "phone": ""}

    client.force_login(lead)
    assert client.post(url, {**base, **fields, "phone": "555-0100"}).status_code == 302

    client.force_login(agent)
    saved = client.post(url, {**base, **fields, "name": "Ada Lovelace"}, follow=True)
    assert "change to phone, made while you were editing, was kept" in saved.text
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Ada Lovelace", "555-0100")


def test_a_field_both_changed_is_shown_side_by_side_and_either_value_can_win(
    client, make_customer, agent, lead
):
    customer = make_customer(name="Ada", email="ada@example.com", phone="")
    url = reverse("customers:edit", args=[customer.pk])
    client.force_login(agent)
    opened = client.get(url).context["form"]
    base = {"version": customer.version, "seen": opened["seen"].value()}

    client.force_login(lead)
    theirs = {"name": "Ada Lovelace", "email": "ada@example.com", "phone": "555-0100"}
    assert client.post(url, {**base, **theirs}).status_code == 302

    client.force_login(agent)
    mine = {"name": "Ada King", "email": "ada@example.com", "phone": ""}
    second = client.post(url, {**base, **mine})
    assert second.status_code == 200
    text = second.text
    assert "lead saved this customer while you were editing" in text
    assert "Keep yours: “Ada King”" in text
    assert "Keep lead's: “Ada Lovelace”" in text
    assert "<h1>Edit Ada Lovelace</h1>" in text  # the saved name, not the typed one
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Ada Lovelace", "555-0100")

    again = second.context["form"].data.copy()
    assert again["phone"] == "555-0100"  # their change to another field stays
    again["choice_name"] = "theirs"
    assert client.post(url, again).status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Ada Lovelace", "555-0100")

    client.force_login(lead)
    client.post(url, {**base, **theirs, "version": customer.version, "seen": ""})
    client.force_login(agent)
    third = client.post(url, {**base, **mine})
    again = third.context["form"].data.copy()
    again["choice_name"] = "mine"
    assert client.post(url, again).status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Ada King", "555-0100")


def test_edit_refuses_a_missing_version(agent_client, make_customer):
    customer = make_customer(name="Ada")
    response = agent_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"name": "Ada Lovelace", "email": customer.email},
    )
    assert response.status_code == 200
    assert "reload the page and try again" in response.text
    customer.refresh_from_db()
    assert customer.name == "Ada"


def test_archive_asks_first_then_archives_on_post(lead_client, make_ticket):
    ticket = make_ticket()
    customer = ticket.customer
    url = reverse("customers:archive", args=[customer.pk])
    confirm = lead_client.get(url)
    assert "Archive customer" in confirm.text
    assert "1 open ticket" in confirm.text
    customer.refresh_from_db()
    assert customer.archived_at is None
    response = lead_client.post(url, follow=True)
    customer.refresh_from_db()
    assert customer.archived_at is not None
    assert "archived." in response.text
    assert "Restore" in response.text


def test_restore_brings_an_archived_customer_back(lead_client, make_customer):
    customer = make_customer()
    customer.archive()
    response = lead_client.post(reverse("customers:restore", args=[customer.pk]))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.archived_at is None


def test_restore_refuses_get(lead_client, make_customer):
    customer = make_customer()
    customer.archive()
    response = lead_client.get(reverse("customers:restore", args=[customer.pk]))
    assert response.status_code == 405
    customer.refresh_from_db()
    assert customer.archived_at is not None


def test_support_staff_cannot_archive(agent_client, make_customer):
    customer = make_customer()
    response = agent_client.post(reverse("customers:archive", args=[customer.pk]))
    assert response.status_code == 403
    assert "You don't have access to this page" in response.text
    customer.refresh_from_db()
    assert customer.archived_at is None


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def test_export_downloads_the_current_filter_as_id_csv(lead_client, make_customer):
    ada = make_customer(name="Ada Lovelace", email="ada@example.com", phone="")
    make_customer(name="Grace Hopper")
    make_customer(name="Ada Archived").archive()
    response = lead_client.get(reverse("customers:export"), {"q": "ada"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert _csv_rows(response) == [
        ["ID", "Name", "Email", "Phone"],
        [str(ada.pk), "Ada Lovelace", "ada@example.com", ""],
    ]


def test_export_neutralises_formulas(lead_client, make_customer):
    make_customer(name="=HYPERLINK(1)", email="f@example.com")
    rows = _csv_rows(lead_client.get(reverse("customers:export")))
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_export_needs_the_export_permission(agent_client):
    response = agent_client.get(reverse("customers:export"))
    assert response.status_code == 403


def test_export_is_named_id_csv_as_the_readme_says(lead_client, make_customer):
    make_customer()
    response = lead_client.get(reverse("customers:export"))
    assert response["Content-Disposition"] == 'attachment; filename="id.csv"'


def test_a_taken_email_links_to_the_customer_who_has_it(agent_client, make_customer):
    owner = make_customer(email="ada@example.com")
    response = agent_client.post(
        reverse("customers:create"),
        {"name": "Ada Again", "email": "ADA@example.com", "phone": ""},
    )
    link = f'(<a href="{owner.get_absolute_url()}">customer {owner.pk}</a>)'
    assert f"A customer with this email already exists {link}" in response.text
    # The error summary at the top links to the field.
    assert '<a href="#id_email">Email</a>: A customer with this email' in response.text


def test_creating_a_look_alike_warns_but_saves(agent_client, make_customer):
    existing = make_customer(name="Ada Lovelace", phone="555-0100")
    response = agent_client.post(
        reverse("customers:create"),
        {"name": "ADA LOVELACE", "email": "other@example.com", "phone": "5550100"},
        follow=True,
    )
    assert f"Possible duplicate of {existing}" in response.text
    assert Customer.objects.count() == 2
