"""The merge pages: likely duplicates, merging side by side, undoing a merge."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from customer_flow.lib import changelog
from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.paging import CappedList, paginate
from customers.duplicates import with_customers
from customers.merging import (
    MERGEABLE_FIELDS,
    MergeRefused,
    merge_customers,
    undo_merge,
)
from customers.models import Customer, CustomerMerge, DuplicateGroup
from tickets.models import Ticket

MAX_MERGED = 10


@permission_required("customers.merge_customer", raise_exception=True)
def duplicates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Groups of likely duplicates among active customers, largest first."""
    page = paginate(request, CappedList.of(DuplicateGroup.objects.all()))
    groups = with_customers(cast(list[DuplicateGroup], page.object_list))
    return render(
        request, "customers/duplicates.html", {"page": page, "groups": groups}
    )


def parse_ids(values: list[str], limit: int = 10_000) -> list[int]:
    found: dict[int, None] = {}
    for value in values:
        for part in value.replace(",", " ").split():
            if part.isdigit() and len(part) < 19:
                found[int(part)] = None
    return list(found)[:limit]


@permission_required("customers.merge_customer", raise_exception=True)
def merge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Choose the survivor and each field's value side by side, then merge."""
    ids = parse_ids(
        request.POST.getlist("ids") or request.GET.getlist("ids"), MAX_MERGED
    )
    customers = list(Customer.objects.filter(pk__in=ids).order_by("id"))
    error = ""
    if request.method == "POST":
        survivor = int(request.POST.get("survivor") or 0)
        take = {
            name: int(request.POST[f"take_{name}"])
            for name in MERGEABLE_FIELDS
            if request.POST.get(f"take_{name}", "").isdigit()
        }
        versions = {
            c.pk: int(request.POST.get(f"version_{c.pk}") or 0) for c in customers
        }
        try:
            done = merge_customers(
                survivor_id=survivor,
                other_ids=[pk for pk in ids if pk != survivor],
                take=take,
                by=request.user,
                expected_versions=versions,
            )
        except MergeRefused as refused:
            error = refused.message
        else:
            messages.success(request, f"{done}: done. You can undo it below.")
            return redirect(done.survivor)
    context = {
        "customers": customers,
        "rows": _rows(customers),
        "tickets": {c.pk: Ticket.objects.for_customer(c).count() for c in customers},
        "histories": [
            (c, changelog.entries(c.history.all(), limit=5)) for c in customers
        ],
        "error": error,
        "ids": " ".join(str(c.pk) for c in customers),
    }
    status = 400 if error else 200
    return render(request, "customers/merge.html", context, status=status)


def _rows(customers: list[Customer]) -> list[dict[str, Any]]:
    return [
        {
            "field": name,
            "label": name.capitalize(),
            "cells": [(c.pk, getattr(c, name)) for c in customers],
        }
        for name in MERGEABLE_FIELDS
    ]


@permission_required("customers.merge_customer", raise_exception=True)
def merge_undo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    done = get_object_or_404(CustomerMerge, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            undo_merge(merge_id=done.pk, by=request.user, force="force" in request.POST)
        except MergeRefused as refused:
            error = refused.message
        else:
            messages.success(request, f"{done}: undone.")
            return redirect(done.survivor)
    context = {"merge": done, "error": error}
    return render(
        request, "customers/merge_undo.html", context, status=400 if error else 200
    )
