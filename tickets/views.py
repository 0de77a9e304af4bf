from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.views.generic import DetailView, ListView

from tickets.models import Ticket


class TicketListView(PermissionRequiredMixin, ListView):
    permission_required = "tickets.view_ticket"
    queryset = Ticket.objects.open().select_related(
        "customer", "ticket_type", "assignee"
    )
    paginate_by = 50


class TicketDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "tickets.view_ticket"
    model = Ticket
