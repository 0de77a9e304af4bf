"""Bulk actions from the queue: choose, confirm (with the count), apply."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from customer_flow.lib.http import AuthenticatedHttpRequest
from customer_flow.lib.quick_renderer import QuickRenderer
from customer_flow.lib.quick_select import QuickSelect
from customer_flow.lib.users import display_name
from tickets import bulk
from tickets.forms import AssigneeField, TicketFilterForm, assignable_users, offer
from tickets.models import Ticket, TicketType
from tickets.saved_views import normalized

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# "All N matching this view" stops here: past it, narrow the view first.
BULK_MAX = 20_000


class BulkForm(forms.Form):
    """The queue's bulk bar: which tickets, which action, and its value."""

    default_renderer = QuickRenderer()

    action = forms.ChoiceField(choices=list(bulk.ACTIONS.items()))
    ticket = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all_matching = forms.BooleanField(required=False)
    query = forms.CharField(required=False)
    loaded_at = forms.DateTimeField(required=False)
    include_changed = forms.BooleanField(required=False)
    confirm = forms.BooleanField(required=False)
    assignee = AssigneeField(
        queryset=None, required=False, empty_label="Nobody", label="Assign to"
    )
    status = forms.ChoiceField(
        choices=Ticket.Status.choices, required=False, widget=QuickSelect
    )
    priority = forms.TypedChoiceField(
        choices=Ticket.Priority.choices, coerce=int, required=False, widget=QuickSelect
    )
    ticket_type = forms.ModelChoiceField(
        queryset=TicketType.objects.active(),
        required=False,
        label="Type",
        widget=QuickSelect,
    )
    note = forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        team: list[User] | None = None,
        types: list[TicketType] | None = None,
        **kwargs: Any,
    ) -> None:
        """``team`` and ``types``: the assignable people and the active ticket types
        when the page has them already (the queue's filters list them), so that
        showing the form needs no query."""
        kwargs.setdefault("auto_id", "bulk_%s")  # beside the filters on one page
        super().__init__(*args, **kwargs)
        cast(AssigneeField, self.fields["assignee"]).queryset = assignable_users()
        if team is not None:
            offer(self.fields["assignee"], team)
        if types is not None:
            offer(self.fields["ticket_type"], types)
        # Any ticket number: the selection is checked against the database.
        self.fields["ticket"].valid_value = lambda value: True  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action = data.get("action")
        if action in ("status", "priority", "type", "note"):
            name = "ticket_type" if action == "type" else action
            if not data.get(name):
                self.add_error(name, "Choose a value for this action.")
        if not data.get("ticket") and not data.get("all_matching"):
            raise forms.ValidationError("Select tickets first.")
        return data

    def value(self) -> tuple[Any, str]:
        """The value to write, and how to show it."""
        data = self.cleaned_data
        action = data["action"]
        if action == "assign":
            user = data["assignee"]
            return (user.pk, display_name(user)) if user else (None, "nobody")
        if action == "status":
            return data["status"], Ticket.Status(data["status"]).label
        if action == "priority":
            return data["priority"], Ticket.Priority(data["priority"]).label
        if action == "type":
            return data["ticket_type"].pk, data["ticket_type"].name
        return data["note"], "“" + data["note"][:60] + "”"


def selected_ids(form: BulkForm, user: Any) -> list[int] | None:
    """The ticket numbers chosen, or all of the view's; None when too many."""
    data = form.cleaned_data
    if data["all_matching"]:
        tickets = TicketFilterForm.view_tickets(
            data["query"] or "", Ticket.objects.all(), user
        ).order_by()
        ids = list(tickets.values_list("pk", flat=True)[: BULK_MAX + 1])
        return None if len(ids) > BULK_MAX else ids
    return list(
        Ticket.objects.filter(pk__in=data["ticket"][:BULK_MAX]).values_list(
            "pk", flat=True
        )
    )


@permission_required("tickets.change_ticket", raise_exception=True)
@require_POST
def bulk_action(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BulkForm(request.POST)
    query = normalized(QueryDict(str(request.POST.get("query", ""))))
    back = f"{reverse('tickets:list')}?{query}"
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, str(error[0]))
        return redirect(back)
    if form.cleaned_data["action"] == "note" and not request.user.has_perm(
        "tickets.add_ticketcomment"
    ):
        messages.error(request, "You may not add notes.")
        return redirect(back)
    ids = selected_ids(form, request.user)
    if ids is None:
        messages.error(
            request, f"More than {BULK_MAX:,} tickets: narrow the view first."
        )
        return redirect(back)
    loaded_at: datetime | None = form.cleaned_data["loaded_at"]
    selection = bulk.select(ids, loaded_at=loaded_at)
    value, shown = form.value()
    if not form.cleaned_data["confirm"]:
        return _confirm_page(request, form, selection, shown, back)
    operation = bulk.bulk_apply(
        selection=selection,
        action=form.cleaned_data["action"],
        value=value,
        shown=shown,
        user=request.user,
        include_changed=form.cleaned_data["include_changed"],
    )
    messages.success(request, _summary(operation))
    return redirect(back)


def _confirm_page(
    request: AuthenticatedHttpRequest,
    form: BulkForm,
    selection: bulk.Selection,
    shown: str,
    back: str,
) -> HttpResponse:
    context = {
        "form": form,
        "ids": selection.ids if not form.cleaned_data["all_matching"] else [],
        "count": len(selection.ids),
        "changed_since": selection.changed_since,
        "action_label": bulk.ACTIONS[form.cleaned_data["action"]],
        "shown": shown,
        "back": back,
        "posted": [
            (name, value)
            for name, value in form.data.items()
            if name
            not in ("ticket", "confirm", "include_changed", "csrfmiddlewaretoken")
        ],
    }
    return render(request, "tickets/bulk_confirm.html", context)


def _summary(operation: bulk.BulkChange) -> str:
    text = ngettext(
        "Bulk change #%(pk)s: %(action)s %(value)s on %(n)s ticket.",
        "Bulk change #%(pk)s: %(action)s %(value)s on %(n)s tickets.",
        operation.changed,
    ) % {
        "pk": operation.pk,
        "action": operation.get_action_display().lower(),
        "value": operation.value,
        "n": f"{operation.changed:,}",
    }
    if operation.unchanged:
        text += f" {operation.unchanged:,} already had it."
    if operation.skipped:
        text += (
            f" {operation.skipped:,} changed by someone since you loaded the view "
            "were left alone."
        )
    return text
