from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.views.generic import DetailView, ListView

from customers.models import Customer


class CustomerListView(PermissionRequiredMixin, ListView):
    permission_required = "customers.view_customer"
    queryset = Customer.objects.active()
    paginate_by = 50


class CustomerDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "customers.view_customer"
    model = Customer
