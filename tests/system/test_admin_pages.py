"""Every admin page of every model loads (a sweep, like the URL sweep)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tickets.models import BulkChange

OUR_APPS = {"customers", "tickets"}


@pytest.fixture
def every_model_has_a_row(make_ticket, admin_user):
    ticket = make_ticket()
    ticket.comments.create(author=admin_user, body="Called back.")
    BulkChange.objects.create(user=admin_user, action="priority", value="Low")
    return ticket


OUR_MODELS = [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_every_admin_page_loads_for_a_superuser(
    admin_client, every_model_has_a_row, model
):
    opts = model._meta
    base = f"admin:{opts.app_label}_{opts.model_name}"
    obj = model._default_manager.first()
    assert obj is not None, f"no {opts.label} row to open"
    # An audit record (BulkChange) cannot be added by hand: its admin says so.
    read_only = type(admin.site._registry[model]).has_add_permission is not (
        admin.ModelAdmin.has_add_permission
    )
    urls = [
        reverse(f"{base}_changelist"),
        *([] if read_only else [reverse(f"{base}_add")]),
        reverse(f"{base}_change", args=[obj.pk]),
        reverse(f"{base}_history", args=[obj.pk]),
    ]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda m: m._meta.label
)
def test_every_admin_changelist_loads_for_a_superuser(admin_client, model):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
