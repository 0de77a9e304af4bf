"""The "API tokens" page and the create_api_token command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from customer_flow.api.models import ApiToken

PAGE = "/account/api-tokens/"


def test_the_header_links_to_the_page(agent_client):
    assert PAGE in agent_client.get("/").content.decode()


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_create_shows_the_token_once_and_it_works(agent_client, agent):
    response = agent_client.post(PAGE, {"name": "Shop sync"})
    assert response.status_code == 201
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert secret not in agent_client.get(PAGE).content.decode()
    assert "Shop sync" in agent_client.get(PAGE).content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/customers/").status_code == 200


def test_a_token_needs_a_name(agent_client):
    response = agent_client.post(PAGE, {"name": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_only_ones_own_token(agent_client, agent, lead):
    from customer_flow.api.tokens import token_create

    theirs, _ = token_create(user=lead, name="Theirs")
    mine, _ = token_create(user=agent, name="Mine")
    agent_client.post(reverse("api_tokens:revoke"), {"token": theirs.digest})
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    response = agent_client.post(reverse("api_tokens:revoke"), {"token": mine.digest})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=mine.pk).exists()


def test_the_command_prints_the_token_once(agent):
    out = io.StringIO()
    call_command("create_api_token", "agent", "--name", "Pipeline", stdout=out)
    secret = out.getvalue().strip()
    assert secret.startswith("cf_")
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (agent, "Pipeline")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/customers/").status_code == 200


def test_the_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user named"):
        call_command("create_api_token", "nobody", stdout=io.StringIO())
