"""The "API tokens" page: a signed-in user's own tokens, created (shown once)
and revoked. Tokens carry their user's permissions, so anyone signed in may
have them."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from customer_flow.api.tokens import token_create, token_revoke, tokens_of
from customer_flow.lib.http import AuthenticatedHttpRequest


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, e.g. “Shop sync”.",
    )


def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        _token, secret = token_create(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    context = {"form": form, "secret": secret, "tokens": tokens_of(request.user)}
    return render(request, "api/tokens.html", context, status=201 if secret else 200)


@require_POST
def token_delete(request: AuthenticatedHttpRequest) -> HttpResponse:
    digest = request.POST.get("token", "")
    if token_revoke(user=request.user, digest=digest):
        messages.success(request, "Token revoked: programs using it are refused now.")
    else:
        messages.error(request, "No such token of yours; nothing was revoked.")
    return redirect("api_tokens:list")
