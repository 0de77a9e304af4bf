"""Saved replies: everyone who replies sees them; leads keep the list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from customer_flow.lib.http import AuthenticatedHttpRequest
from tickets.canned import PLACEHOLDERS, CannedReply
from tickets.conversation_forms import CannedReplyForm


@permission_required("tickets.view_cannedreply", raise_exception=True)
def canned_list(request: HttpRequest) -> HttpResponse:
    context = {"replies": CannedReply.objects.all(), "placeholders": PLACEHOLDERS}
    return render(request, "tickets/canned_list.html", context)


@permission_required("tickets.add_cannedreply", raise_exception=True)
def canned_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, CannedReply())


@permission_required("tickets.change_cannedreply", raise_exception=True)
def canned_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(CannedReply, pk=pk))


def _edit(request: AuthenticatedHttpRequest, reply: CannedReply) -> HttpResponse:
    form = CannedReplyForm(request.POST or None, instance=reply)
    if request.method == "POST" and form.is_valid():
        reply = form.save(commit=False)
        reply.updated_by = request.user
        reply.save()
        messages.success(request, f"Saved reply “{reply.title}” saved.")
        return redirect("tickets:canned")
    context = {"form": form, "reply": reply, "placeholders": PLACEHOLDERS}
    return render(request, "tickets/canned_form.html", context)


@permission_required("tickets.delete_cannedreply", raise_exception=True)
@require_POST
def canned_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_object_or_404(CannedReply, pk=pk)
    reply.delete()
    messages.success(request, f"Saved reply “{reply.title}” deleted.")
    return redirect(reverse("tickets:canned"))
