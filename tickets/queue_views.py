"""The queue's views: built-in and saved, with live counts; saving and deleting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.quick_renderer import QuickRenderer
from tickets.forms import TicketFilterForm
from tickets.models import Ticket
from tickets.saved_views import (
    BUILT_IN,
    BuiltIn,
    Counted,
    SavedView,
    capped_counts,
    normalized,
)


def counted(
    views: Sequence[BuiltIn | SavedView], user: Any, current: str
) -> list[Counted]:
    """The views with their capped counts: one query for all the counts."""
    tickets = [
        TicketFilterForm.view_tickets(view.query, Ticket.objects.all(), user)
        for view in views
    ]
    return [
        Counted(view, count, capped, current=view.query == current)
        for view, (count, capped) in zip(views, capped_counts(tickets), strict=True)
    ]


def queue_views(user: Any, current: str) -> dict[str, list[Counted]]:
    """Built-in, personal and shared views, each with its capped count."""
    saved = list(SavedView.objects.visible_to(user))
    views = counted([*BUILT_IN, *saved], user, current)
    own = list(zip(saved, views[len(BUILT_IN) :], strict=True))
    return {
        "built_in": views[: len(BUILT_IN)],
        "personal": [c for view, c in own if view.owner_id == user.pk],
        "shared": [c for view, c in own if view.owner_id != user.pk],
    }


class SavedViewForm(forms.ModelForm):
    default_renderer = QuickRenderer()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "view_%s")
        super().__init__(*args, **kwargs)

    class Meta:
        model = SavedView
        fields = ["name", "shared"]
        labels = {"name": "Save this view as", "shared": "Share with the team"}


@permission_required("tickets.view_ticket", raise_exception=True)
@require_POST
def view_save(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = normalized(QueryDict(str(request.POST.get("query", ""))))
    back = f"{reverse('tickets:list')}?{query}"
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(back)
    view = form.save(commit=False)
    if view.shared and not request.user.has_perm("tickets.share_savedview"):
        messages.error(request, "Only support leads can share views with the team.")
        return redirect(back)
    view.owner, view.query = request.user, query
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        messages.error(request, "You already have a view with this name.")
        return redirect(back)
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(view)


class RenameViewForm(forms.ModelForm):
    class Meta:
        model = SavedView
        fields = ["name"]
        labels = {"name": "New name"}


@permission_required("tickets.view_ticket", raise_exception=True)
@require_POST
def view_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=pk)
    old = view.name
    form = RenameViewForm(request.POST, instance=view)
    if not view.may_change(request.user):
        messages.error(request, "Only support leads can rename the team's views.")
    elif not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:
            mine = view.owner_id == request.user.pk
            owner = "You already have" if mine else "Its owner already has"
            messages.error(request, f"{owner} a view with this name.")
        else:
            messages.success(request, f"View “{old}” renamed to “{view.name}”.")
    return redirect("tickets:list")


@permission_required("tickets.view_ticket", raise_exception=True)
@require_POST
def view_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=pk)
    if not view.may_change(request.user):
        messages.error(request, "Only support leads can delete the team's views.")
    else:
        view.delete()
        messages.success(request, f"View “{view.name}” deleted.")
    return redirect("tickets:list")


def _first_error(form: forms.BaseForm) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else str(errors[0])
    return "The view could not be saved."
