from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Model, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import ngettext

from customer_flow.lib.quick_renderer import QuickRenderer
from customer_flow.lib.quick_select import QuickSelect
from customer_flow.lib.users import display_name
from tickets.models import Ticket, TicketQuerySet, TicketType
from tickets.queue import DEFAULT_SORT, RELEVANCE, SORTS
from tickets.services import TicketConflict

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def assignable_users(*, also: int | None = None) -> QuerySet[User]:
    """Active users who hold the ticket permissions (through a group or their own),
    plus user ``also`` (a ticket's current assignee, whoever they are)."""
    users = get_user_model().objects.all()
    return users.filter(Q(pk__in=_team()) | Q(pk=also)).order_by(
        "first_name", "last_name", "username"
    )


def _team() -> QuerySet[User, Any]:
    # The ids of the active users who hold the ticket permissions.
    can_change = Q(
        groups__permissions__codename="change_ticket",
        groups__permissions__content_type__app_label="tickets",
    ) | Q(
        user_permissions__codename="change_ticket",
        user_permissions__content_type__app_label="tickets",
    )
    return get_user_model().objects.filter(can_change, is_active=True).values("pk")


def offer(field: forms.Field, objects: Iterable[Model]) -> None:
    """Let ``field`` (a ModelChoiceField) show these objects, fetched already, as
    it would show its queryset's: a page with two forms fetches them once."""
    field = cast(forms.ModelChoiceField, field)
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.widget.choices = empty + [
        (str(obj.pk), field.label_from_instance(obj)) for obj in objects
    ]


class AssigneeField(forms.ModelChoiceField):
    widget = QuickSelect

    def label_from_instance(self, obj: User) -> str:
        return display_name(obj)


class TicketForm(forms.ModelForm):
    """Open a ticket for a customer: only active types can be chosen."""

    assignee = AssigneeField(queryset=None, required=False, empty_label="Unassigned")

    class Meta:
        model = Ticket
        fields = ["ticket_type", "subject", "description", "priority", "assignee"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "ticket_type": QuickSelect,
            "priority": QuickSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticket_type = cast(forms.ModelChoiceField, self.fields["ticket_type"])
        ticket_type.queryset = TicketType.objects.active()
        ticket_type.empty_label = "Choose a type"
        cast(AssigneeField, self.fields["assignee"]).queryset = assignable_users()


class TicketChangeForm(forms.ModelForm):
    """Status, priority, type and assignee, changed from the ticket page.

    ``version`` is the version the person started from and ``seen`` a signed copy
    of the values they saw: a stale save is merged field by field against them.
    """

    assignee = AssigneeField(queryset=None, required=False, empty_label="Unassigned")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Ticket
        fields = ["status", "priority", "ticket_type", "assignee"]
        widgets = {name: QuickSelect for name in ["status", "priority", "ticket_type"]}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticket = self.instance
        assignee = cast(AssigneeField, self.fields["assignee"])
        assignee.queryset = assignable_users(also=ticket.assignee_id)
        ticket_type = cast(forms.ModelChoiceField, self.fields["ticket_type"])
        ticket_type.queryset = TicketType.objects.filter(
            Q(active=True) | Q(pk=ticket.ticket_type_id)
        )
        if not self.is_bound:
            self.initial["version"] = ticket.version
            self.initial["seen"] = sign_values(ticket.editable_values())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "status" in cleaned:
            # Before the model's checks run: closed_at must follow the status.
            self.instance.set_status(cleaned["status"])
        return cleaned

    def values(self) -> dict[str, Any]:
        """The submitted values, named as Ticket.EDITABLE names them."""
        data = self.cleaned_data
        return {
            "status": data["status"],
            "priority": data["priority"],
            "assignee_id": data["assignee"].pk if data["assignee"] else None,
            "ticket_type_id": data["ticket_type"].pk,
        }

    def seen_values(self) -> dict[str, Any]:
        return unsign_values(self.cleaned_data.get("seen") or "")

    def refuse_conflict(self, conflict: TicketConflict, changed_by: str) -> None:
        """Keep the person's input and rebase it on the saved version: saving again
        keeps theirs for the conflicting fields and the colleague's for the rest."""
        current = conflict.current
        data = cast(QueryDict, self.data).copy()  # bound to request.POST
        data["version"] = str(current.version)
        data["seen"] = sign_values(current.editable_values())
        for name, value in conflict.merge.values.items():
            data[name.removesuffix("_id")] = "" if value is None else str(value)
        self.data = data
        self.add_error(
            None,
            f"{changed_by} changed the same "
            + ngettext("field", "fields", len(conflict.conflicts))
            + " while you were editing: compare below, then save again to keep "
            "your choice. Nothing was saved yet.",
        )


_SALT = "tickets.change.seen"


def sign_values(values: dict[str, Any]) -> str:
    return signing.dumps(values, salt=_SALT)


def unsign_values(token: str) -> dict[str, Any]:
    try:
        values = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return {}
    return values if isinstance(values, dict) else {}


STATUS_FILTER = (
    [("queue", "Open and pending")]
    + list(Ticket.Status.choices)
    + [("all", "Any status")]
)


class TicketFilterForm(forms.Form):
    """The queue's filters; all optional, a bad value is reported and ignored."""

    default_renderer = QuickRenderer()

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        help_text="Whole words from the subject, description or messages (print* "
        "for words that start so); #1042 opens ticket 1042.",
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "data-search": ""}
        ),
    )
    status = forms.ChoiceField(
        choices=STATUS_FILTER, required=False, widget=QuickSelect
    )
    ticket_type = forms.ModelChoiceField(
        queryset=TicketType.objects.all(),
        required=False,
        label="Type",
        empty_label="Any type",
        widget=QuickSelect,
    )
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority")] + list(Ticket.Priority.choices),
        coerce=int,
        required=False,
        empty_value=None,
        widget=QuickSelect,
    )
    assignee = forms.RegexField(
        regex=r"^(me|none|[0-9]{1,18})\Z",
        required=False,
        widget=QuickSelect,
        error_messages={"invalid": "Choose a person from the list."},
    )
    customer = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        label="Customer ID",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 10}),
    )
    sla = forms.ChoiceField(
        choices=[("", "Any"), ("overdue", "Overdue"), ("soon", "Breaching soon")],
        required=False,
        label="SLA",
        widget=QuickSelect,
    )
    sort = forms.ChoiceField(
        choices=[
            (sign + key, label + (" (reversed)" if sign else ""))
            for key, (label, _fields) in SORTS.items()
            for sign in ("", "-")
        ],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whoever the chosen user is (left the team, never in it), their tickets
        # can be found.
        value = str(self.data.get("assignee", ""))
        chosen = int(value) if value.isdigit() and len(value) < 19 else None
        people = assignable_users(also=chosen)
        if chosen is not None:
            in_team = ExpressionWrapper(Q(pk__in=_team()), output_field=BooleanField())
            people = people.annotate(in_team=in_team)
        self.fields["assignee"].widget.choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Unassigned"),
        ] + [(str(u.pk), display_name(u)) for u in people]
        # The same people, less one only chosen here, and the active types: the
        # queue's bulk bar offers them without queries of its own.
        self.team = [u for u in people if getattr(u, "in_team", True)]
        kinds = list(TicketType.objects.all())
        offer(self.fields["ticket_type"], kinds)
        self.active_types = [kind for kind in kinds if kind.active]

    def filter(self, tickets: TicketQuerySet, user: User) -> TicketQuerySet:
        self.is_valid()
        return _filtered(tickets, self.cleaned_data, user)

    def chosen_sort(self) -> str:
        """The ?sort= asked for; without one, a search is by relevance."""
        self.is_valid()
        return _chosen_sort(self.cleaned_data)

    @classmethod
    def view_tickets(
        cls, query: str, tickets: TicketQuerySet, user: User
    ) -> TicketQuerySet:
        """What ``filter()`` gives for this query string, without building a form:
        the queue counts every view on each request, and a form apiece (its
        fields deep-copied, then validated) cost more than the counts' SQL."""
        data = QueryDict(query)
        cleaned: dict[str, Any] = {}
        for name, field in cls.base_fields.items():
            # As Form._clean_fields, whose fields are copies of these; a bad
            # value is left out, as the form leaves it out of cleaned_data.
            try:
                cleaned[name] = field.clean(
                    field.widget.value_from_datadict(data, {}, name)
                )
            except ValidationError:
                continue
        return _filtered(tickets, cleaned, user)


def _filtered(
    tickets: TicketQuerySet, data: dict[str, Any], user: User
) -> TicketQuerySet:
    """The queue's tickets for valid filter values ``data``, in the chosen sort."""
    text = data.get("q") or ""
    # A search looks at every ticket unless a status is chosen.
    tickets = tickets.with_status(data.get("status") or ("all" if text else "queue"))
    tickets = tickets.for_assignee(data.get("assignee") or "", user)
    if data.get("ticket_type"):
        tickets = tickets.filter(ticket_type=data["ticket_type"])
    if data.get("priority"):
        tickets = tickets.filter(priority=data["priority"])
    if data.get("customer"):
        tickets = tickets.filter(customer_id=data["customer"])
    tickets = tickets.with_sla(data.get("sla") or "")
    if text:
        tickets = tickets.search(text)
    sort = _chosen_sort(data)
    return tickets if sort == RELEVANCE else tickets.sorted_by(sort)


def _chosen_sort(data: dict[str, Any]) -> str:
    # A bad value is not in data (nor in a form's cleaned_data).
    sort = data.get("sort")
    if not sort and data.get("q"):
        return RELEVANCE
    return sort or DEFAULT_SORT
