from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required, permission_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from customer_flow.lib.http import AuthenticatedHttpRequest
from customers.models import Customer
from tickets.models import Ticket, TicketType
from tickets.queue_views import counted
from tickets.saved_views import BUILT_IN


@permission_required("tickets.view_ticket", raise_exception=True)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    views = {view.key: view for view in BUILT_IN}
    work = counted(
        [views[key] for key in ("unassigned", "overdue", "soon", "mine")],
        request.user,
        current="",
    )
    tickets = Ticket.objects
    counts = tickets.count_open()
    types = TicketType.objects.in_bulk()
    context = {
        "by_status": [
            (s.label, counts.by_status.get(s.value, 0), f"status={s.value}")
            for s in Ticket.OPEN_STATUSES
        ],
        "work": work,
        "mine": work[-1],
        "by_type": [(types[pk], n) for pk, n in counts.most_first(counts.by_type)],
        "per_day": tickets.opened_per_day(days=30),
        "my_tickets": tickets.open()
        .filter(assignee=request.user)
        .select_related("customer", "ticket_type")[:10],
        "per_agent": (
            _people(counts.most_first(counts.by_assignee))
            if request.user.has_perm("tickets.share_savedview")
            else None
        ),
        "newest_customers": (
            Customer.objects.order_by("-created_at", "-id")[:5]
            if request.user.has_perm("customers.view_customer")
            else None
        ),
    }
    return render(request, "dashboard.html", context)


def _people(counts: list[tuple[int | None, int]]) -> list[tuple[object, int]]:
    """(user or None for unassigned, count) from (user ID, count)."""
    people = get_user_model().objects.in_bulk([pk for pk, _ in counts if pk])
    return [(people.get(pk) if pk else None, n) for pk, n in counts]


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Say whether the app can reach its database; nothing else is revealed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})
