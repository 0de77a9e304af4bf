from __future__ import annotations

from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from customer_flow.import_export_admin import (
    ImporterAdminMixin,
    PlainJSON,
    RawImportFormat,
    SafeCSV,
    SafeXLSX,
)
from customers.forms import CustomerForm
from customers.models import Customer, CustomerQuerySet
from customers.resources import CustomerResource


class ArchivedFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "archived"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("no", "Active"), ("yes", "Archived")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> QuerySet[Customer]:
        customers = cast(CustomerQuerySet, queryset)  # from Customer.objects
        if self.value() == "no":
            return customers.active()
        if self.value() == "yes":
            return customers.archived()
        return customers


@admin.register(Customer)
class CustomerAdmin(ImporterAdminMixin, SimpleHistoryAdmin):
    form = CustomerForm
    # Import and export need the import_customer / export_customer permissions
    # (IMPORT_EXPORT_*_PERMISSION_CODE in settings).
    resource_classes = [CustomerResource]
    import_formats = [RawImportFormat]
    export_formats = [SafeCSV, SafeXLSX, PlainJSON]
    list_display = ["id", "name", "email", "phone", "archived_at", "updated_at"]
    list_display_links = ["id", "name"]
    # Prefix and exact searches use indexes; a substring search scans every row.
    search_fields = ["=id", "^name", "^email", "^phone"]
    search_help_text = "ID, or the start of a name, email or phone."
    list_filter = [ArchivedFilter]
    readonly_fields = ["id", "created_at", "updated_at", "archived_at"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["archive", "restore"]

    # TODO(recut-import): a plain attribute once the importer no longer loads
    # pyarrow on import (then this ignore goes too).
    @property
    def import_help(self) -> str:  # type: ignore[override]
        # Imported on use: the importer loads pyarrow, which only imports need.
        from customers.importing import MATCHING_RULE

        return MATCHING_RULE

    @admin.action(description="Archive the selected customers", permissions=["archive"])
    def archive(self, request: HttpRequest, queryset: CustomerQuerySet) -> None:
        count = 0
        for customer in queryset.active():
            customer.archive()
            count += 1
        message = ngettext(
            "Archived %(count)d customer.", "Archived %(count)d customers.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description="Restore the selected customers", permissions=["archive"])
    def restore(self, request: HttpRequest, queryset: CustomerQuerySet) -> None:
        count = 0
        for customer in queryset.archived():
            customer.restore()
            count += 1
        message = ngettext(
            "Restored %(count)d customer.", "Restored %(count)d customers.", count
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.archive_customer")
