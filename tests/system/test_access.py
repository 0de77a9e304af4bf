"""Deny by default: every page needs sign-in, and a permission, or says 403."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Pages anyone may see, and account pages every signed-in user may use.
PUBLIC = {"login", "healthz"}
ANY_SIGNED_IN_USER = {
    "logout",
    "password_change",
    "password_change_done",
    "two_factor:manage",
    "two_factor:setup",
    "two_factor:verify",
    "two_factor:codes",
    "two_factor:renew_codes",
    "two_factor:disable",
    "api_tokens:list",
    "api_tokens:revoke",
    "api:schema",
    "api:docs",
}


def _patterns(resolvers=None, prefix="", namespace=""):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # the admin has its own staff-only sign-in
            yield from _patterns(
                entry.url_patterns,
                prefix + str(entry.pattern),
                f"{entry.namespace}:" if entry.namespace else namespace,
            )
        elif isinstance(entry, URLPattern):
            path = "/" + prefix + str(entry.pattern)
            yield namespace + (entry.name or path), re.sub(r"<int:\w+>", "1", path)


# The API's catch-all: a JSON 404 for any other URL under /api/v1/, not a resource.
NOT_RESOURCES = {"api:not_found"}
ALL = sorted((n, p) for n, p in set(_patterns()) if n not in NOT_RESOURCES)
PROTECTED = [(name, path) for name, path in ALL if name not in PUBLIC]
NEED_PERMISSION = [
    (name, path) for name, path in PROTECTED if name not in ANY_SIGNED_IN_USER
]


def test_the_url_list_covers_the_staff_pages():
    names = {name for name, _ in ALL}
    assert {"dashboard", "customers:list", "tickets:detail", "login"} <= names


@pytest.mark.parametrize(("name", "path"), PROTECTED, ids=[n for n, _ in PROTECTED])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_sign_in_and_back(client, db, name, path, method):
    response = getattr(client, method)(path)
    if path.startswith("/api/"):  # programs get 401 and a challenge, not a page
        assert response.status_code == 401, path
        assert response["WWW-Authenticate"] == "Bearer"
        return
    assert response.status_code == 302, path
    assert response["Location"] == f"{reverse('login')}?next={path}"


@pytest.mark.parametrize(
    ("name", "path"), NEED_PERMISSION, ids=[n for n, _ in NEED_PERMISSION]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_without_permission_gets_the_friendly_403(
    outsider_client, name, path, method
):
    response = getattr(outsider_client, method)(path)
    assert response.status_code == 403, path
    if path.startswith("/api/"):
        assert response.json()["detail"]
        return
    assert "You don't have access to this page" in response.text
    assert "Traceback" not in response.text


def test_sign_in_returns_to_the_page_asked_for(client, agent):
    response = client.post(
        reverse("login"),
        {
            "username": "agent",
            "password": "correct horse battery staple",
            "next": "/customers/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/"


def test_sign_out_is_a_post(agent_client):
    assert agent_client.get(reverse("logout")).status_code == 405
    assert agent_client.post(reverse("logout")).status_code == 302
    assert agent_client.get("/").status_code == 302


def test_password_change_works(agent_client, agent):
    response = agent_client.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery staple",
            "new_password1": "a much longer new passphrase",
            "new_password2": "a much longer new passphrase",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("a much longer new passphrase")


def test_unknown_address_gets_the_friendly_404(agent_client):
    response = agent_client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Customer Flow" in response.text


def test_a_crash_gets_the_friendly_500_without_details(agent, monkeypatch):
    from tickets.queue import TicketQuerySet

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(TicketQuerySet, "count_open", explode)
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "secret internals" not in response.content.decode()


POSTS = [
    ("customers:create", {}),
    ("customers:edit", {"pk": 1}),
    ("customers:archive", {"pk": 1}),
    ("customers:restore", {"pk": 1}),
    ("tickets:create", {"customer_pk": 1}),
    ("tickets:comment", {"pk": 1}),
    ("tickets:change", {"pk": 1}),
    ("tickets:reply", {"pk": 1}),
    ("tickets:send_again", {"pk": 1}),
    ("tickets:notification_settings", {}),
    ("tickets:notifications_read", {}),
    ("tickets:canned_create", {}),
    ("tickets:canned_edit", {"pk": 1}),
    ("tickets:canned_delete", {"pk": 1}),
    ("tickets:held_action", {"pk": 1}),
    ("customers:import", {}),
    ("customers:batch_columns", {"pk": 1}),
    ("customers:batch_apply", {"pk": 1}),
    ("customers:batch_discard", {"pk": 1}),
    ("customers:batch_revert", {"pk": 1}),
    ("api_tokens:list", {}),
    ("api_tokens:revoke", {}),
    ("logout", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), POSTS, ids=[n for n, _ in POSTS])
def test_every_form_post_needs_the_csrf_token(lead, make_ticket, name, kwargs):
    ticket = make_ticket()
    ids = {"pk": ticket.pk, "customer_pk": ticket.customer_id}
    if name.startswith("customers:"):
        ids["pk"] = ticket.customer_id
    kwargs = {key: ids[key] for key in kwargs}
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    response = client.post(reverse(name, kwargs=kwargs), {"name": "x"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/customers/99999999999999999999999/",
        "/customers/99999999999999999999999/edit/",
        "/tickets/99999999999999999999999/",
        "/tickets/new/99999999999999999999999/",
    ],
)
def test_an_id_too_large_for_the_database_is_a_404(lead_client, path):
    assert lead_client.get(path).status_code == 404
