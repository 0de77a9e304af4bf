"""The customer list's bulk actions: archive, restore, export or merge the
selected customers, or every customer matching the search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from customer_flow.lib.http import AuthenticatedHttpRequest
from customers.bulk import Selection, customers_set_archived
from customers.exporting import customer_csv
from customers.forms import SEARCH_MAX_LENGTH
from customers.merge_views import MAX_MERGED, parse_ids


@permission_required("customers.view_customer", raise_exception=True)
@require_POST
def bulk(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Confirm, then run, an action on the selected customers."""
    action = request.POST.get("action", "")
    needed = BULK_PERMISSIONS.get(action)
    if needed is None:
        return HttpResponseBadRequest(
            "Choose an action: archive, restore, export, merge."
        )
    if not request.user.has_perm(needed):
        raise PermissionDenied
    selection = _selection(request)
    if action == "merge":
        query = "&".join(f"ids={pk}" for pk in selection.ids[:MAX_MERGED])
        return redirect(f"{reverse('customers:merge')}?{query}")
    if action == "export":
        return customer_csv(selection.customers())
    changed = selection.changed_since_loaded()
    if request.POST.get("confirm") != "yes":
        context = {
            "action": action,
            "count": selection.customers().count(),
            "changed": list(changed[:20]),
            "changed_count": changed.count(),
            "post": request.POST,
        }
        return render(request, "customers/bulk_confirm.html", context)
    include_changed = request.POST.get("include_changed") == "yes"
    count = customers_set_archived(
        customers=selection.customers(),
        archived=action == "archive",
        by=request.user,
        exclude=None if include_changed else changed,
    )
    verb = "Archived" if action == "archive" else "Restored"
    message = ngettext(
        "%(verb)s %(count)d customer.", "%(verb)s %(count)d customers.", count
    )
    messages.success(request, message % {"verb": verb, "count": count})
    return redirect("customers:list")


BULK_PERMISSIONS = {
    "archive": "customers.archive_customer",
    "restore": "customers.archive_customer",
    "export": "customers.export_customer",
    "merge": "customers.merge_customer",
}


def _selection(request: AuthenticatedHttpRequest) -> Selection:
    loaded = parse_datetime(request.POST.get("loaded_at", ""))
    return Selection(
        ids=parse_ids(request.POST.getlist("ids")),
        everything=request.POST.get("everything") == "yes",
        text=request.POST.get("q", "")[:SEARCH_MAX_LENGTH],
        status=request.POST.get("status", "active"),
        loaded_at=loaded,
    )
