from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from tickets.models import Ticket, TicketQuerySet, TicketType

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def assignable_users() -> QuerySet[User]:
    """Active users who may work tickets: admins and those who can change them."""
    can_change = Q(
        groups__permissions__codename="change_ticket",
        groups__permissions__content_type__app_label="tickets",
    ) | Q(
        user_permissions__codename="change_ticket",
        user_permissions__content_type__app_label="tickets",
    )
    users = get_user_model().objects.filter(is_active=True)
    ids = users.filter(can_change | Q(is_superuser=True)).values("pk")
    return users.filter(pk__in=ids).order_by("username")


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class TicketForm(forms.ModelForm):
    """Open a ticket for a customer: only active types can be chosen."""

    assignee = AssigneeField(queryset=None, required=False, empty_label="Unassigned")

    class Meta:
        model = Ticket
        fields = ["ticket_type", "subject", "description", "priority", "assignee"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticket_type = cast(forms.ModelChoiceField, self.fields["ticket_type"])
        ticket_type.queryset = TicketType.objects.active()
        ticket_type.empty_label = "Choose a type"
        cast(AssigneeField, self.fields["assignee"]).queryset = assignable_users()


class TicketChangeForm(forms.ModelForm):
    """Status, priority and assignee, changed from the ticket page."""

    assignee = AssigneeField(queryset=None, required=False, empty_label="Unassigned")

    class Meta:
        model = Ticket
        fields = ["status", "priority", "assignee"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(AssigneeField, self.fields["assignee"]).queryset = assignable_users()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "status" in cleaned:
            # Before the model's checks run: closed_at must follow the status.
            self.instance.set_status(cleaned["status"])
        return cleaned

    def save(self, commit: bool = True) -> Ticket:
        self.instance.change(**self.cleaned_data)
        return self.instance


STATUS_FILTER = (
    [("queue", "Open and pending")]
    + list(Ticket.Status.choices)
    + [("all", "Any status")]
)


class TicketFilterForm(forms.Form):
    """The queue's filters; all optional, a bad value is reported and ignored."""

    status = forms.ChoiceField(choices=STATUS_FILTER, required=False)
    ticket_type = forms.ModelChoiceField(
        queryset=TicketType.objects.all(),
        required=False,
        label="Type",
        empty_label="Any type",
    )
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority")] + list(Ticket.Priority.choices),
        coerce=int,
        required=False,
        empty_value=None,
    )
    assignee = forms.ChoiceField(required=False)
    customer = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        label="Customer ID",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 10}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Unassigned"),
        ] + [(str(u.pk), u.get_username()) for u in assignable_users()]

    def filter(self, tickets: TicketQuerySet, user: User) -> TicketQuerySet:
        self.is_valid()
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        tickets = tickets.with_status(data.get("status") or "queue")
        tickets = tickets.for_assignee(data.get("assignee") or "", user)
        if data.get("ticket_type"):
            tickets = tickets.filter(ticket_type=data["ticket_type"])
        if data.get("priority"):
            tickets = tickets.filter(priority=data["priority"])
        if data.get("customer"):
            tickets = tickets.filter(customer_id=data["customer"])
        return tickets
