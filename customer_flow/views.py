from __future__ import annotations

from django.contrib.auth.decorators import login_not_required, permission_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from customer_flow import dashboard as figures
from tickets.queue_views import counted
from tickets.saved_views import BUILT_IN


@permission_required("tickets.view_ticket", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    views = {view.key: view for view in BUILT_IN}
    work = [
        counted(views[key], request.user, current="")
        for key in ("unassigned", "overdue", "soon", "mine")
    ]
    context = {
        "by_status": figures.open_by_status(),
        "work": work,
        "mine": work[-1],
        "by_type": figures.open_by_type(),
        "chart": figures.opened_per_day(),
        "my_tickets": figures.my_open_tickets(request.user),
        "per_agent": (
            figures.open_per_agent()
            if request.user.has_perm("tickets.share_savedview")
            else None
        ),
        "newest_customers": (
            figures.newest_customers()
            if request.user.has_perm("customers.view_customer")
            else None
        ),
    }
    return render(request, "dashboard.html", context)


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
