from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from customer_flow.import_export_admin import (
    ImporterAdminMixin,
    PlainJSON,
    RawImportFormat,
    SafeCSV,
    SafeXLSX,
)
from customers import import_jobs
from customers.forms import SEARCH_MAX_LENGTH, CustomerAdminForm
from customers.importing.report import MATCHING_RULE
from customers.models import Customer, CustomerQuerySet
from customers.resources import CustomerResource

if TYPE_CHECKING:
    from django.contrib.auth.models import User


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
    form = CustomerAdminForm
    # Import and export need the import_customer / export_customer permissions
    # (IMPORT_EXPORT_*_PERMISSION_CODE in settings).
    resource_classes = [CustomerResource]
    import_formats = [RawImportFormat]
    export_formats = [SafeCSV, SafeXLSX, PlainJSON]
    list_display = ["id", "name", "email", "phone", "archived", "updated_at"]
    list_display_links = ["id", "name"]
    # The staff pages' search (customers.search), through get_search_results.
    search_fields = ["name"]
    search_help_text = (
        "ID, a name or any word of it, the start of an email or @domain, or a "
        "phone number's first or last digits; case and accents don't matter."
    )
    list_filter = [ArchivedFilter]
    readonly_fields = ["id", "created_at", "updated_at", "archived_at"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["archive", "restore"]
    import_help = MATCHING_RULE

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(boolean=True, description="Archived", ordering="archived_at")
    def archived(self, customer: Customer) -> bool:
        return customer.is_archived

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # The same search as the staff pages: folded keys, every kind of match.
        customers = cast(CustomerQuerySet, queryset)
        return customers.search(search_term[:SEARCH_MAX_LENGTH]), False

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """An uploaded file goes to the same background check as the staff
        pages' (``customers.import_jobs``); its batch page shows the progress,
        then the preview to apply or discard. (A bad form is shown as before.)"""
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_import_form(request)
            if form.is_valid():
                upload = form.cleaned_data["import_file"]
                batch = import_jobs.start_preview(
                    upload,
                    user=cast("User", request.user),  # has the import permission
                    skip_invalid=False,
                    file_name=upload.name,
                )
                self.message_user(
                    request,
                    f"Import #{batch.pk} is being checked in the background: this "
                    "page shows how far it got, then the preview to apply or discard.",
                    messages.INFO,
                )
                return redirect(batch)
        return super().import_action(request, **kwargs)

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
