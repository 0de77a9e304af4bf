from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from customer_flow.import_export_admin import ImporterAdminMixin
from customer_flow.lib.http import AuthenticatedHttpRequest
from tickets import sla
from tickets.models import BulkChange, SlaPolicy, Ticket, TicketComment, TicketType
from tickets.resources import TicketTypeResource, TicketTypesFile


@admin.register(TicketType)
class TicketTypeAdmin(ImporterAdminMixin, SimpleHistoryAdmin):
    resource_classes = [TicketTypeResource]
    import_formats = [TicketTypesFile]
    export_formats = [TicketTypesFile]
    import_help = (
        "A new key creates a ticket type, a known key renames it; keys missing "
        "from the file are left alone."
    )
    list_display = ["code", "name", "active"]
    list_editable = ["active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


class TicketCommentInline(admin.StackedInline):
    model = TicketComment
    extra = 0
    fields = ["author", "body", "created_at"]
    readonly_fields = ["author", "created_at"]


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "subject",
        "customer",
        "ticket_type",
        "status",
        "priority",
        "assignee",
        "created_at",
    ]
    list_display_links = ["id", "subject"]
    list_filter = ["status", "priority", "ticket_type"]
    search_fields = ["=id", "subject"]
    autocomplete_fields = ["customer", "ticket_type", "assignee"]
    list_select_related = ["customer", "ticket_type", "assignee"]
    readonly_fields = ["opened_by", "created_at", "updated_at", "closed_at"]
    inlines = [TicketCommentInline]
    show_full_result_count = False

    def save_model(
        self,
        request: HttpRequest,
        obj: Ticket,
        form: forms.ModelForm[Ticket],
        change: bool,
    ) -> None:
        if not change:
            obj.opened_by = _signed_in(request).user
        # Keep closed_at in step with the status, as the staff pages do.
        obj.set_status(obj.status)
        super().save_model(request, obj, form, change)

    def save_formset(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Ticket],
        formset: forms.BaseInlineFormSet[TicketComment, Ticket, Any],
        change: bool,
    ) -> None:
        comments = formset.save(commit=False)
        for comment in comments:
            if comment.author_id is None:
                comment.author = _signed_in(request).user
            comment.save()
        for comment in formset.deleted_objects:
            comment.delete()


@admin.register(TicketComment)
class TicketCommentAdmin(admin.ModelAdmin):
    list_display = ["id", "ticket", "author", "created_at"]
    search_fields = ["body"]
    autocomplete_fields = ["ticket"]
    readonly_fields = ["author", "created_at"]
    list_select_related = ["ticket", "author"]

    def save_model(
        self,
        request: HttpRequest,
        obj: TicketComment,
        form: forms.ModelForm[TicketComment],
        change: bool,
    ) -> None:
        if not change:
            obj.author = _signed_in(request).user
        super().save_model(request, obj, form, change)


def _signed_in(request: HttpRequest) -> AuthenticatedHttpRequest:
    # The admin lets only signed-in staff this far.
    return cast(AuthenticatedHttpRequest, request)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["priority", "first_response_hours", "resolution_hours"]

    def save_model(
        self, request: HttpRequest, obj: SlaPolicy, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        # Open tickets of this priority follow the new targets at once.
        sla.refresh_due_times(Ticket.objects.open().filter(priority=obj.priority))


@admin.register(BulkChange)
class BulkChangeAdmin(admin.ModelAdmin):
    """The audit of bulk actions: read only."""

    list_display = ["id", "created_at", "user", "action", "value", "changed", "skipped"]
    list_filter = ["action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
