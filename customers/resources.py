"""The Customer resource of the admin's import and export (django-import-export)."""

from __future__ import annotations

from typing import Any

import tablib
from import_export import resources
from import_export.fields import Field
from import_export.results import Result

from customer_flow.import_export_admin import PREVIEW_ROWS, report_to_result
from customers import importing
from customers.exporting import CSV_HEADER
from customers.importing.report import ImportReport
from customers.models import Customer


class CustomerResource(resources.ModelResource):
    # Explicit column names: django-import-export matches headers by exact case.
    id = Field(attribute="id", column_name="ID")
    name = Field(attribute="name", column_name="Name")
    email = Field(attribute="email", column_name="Email")
    phone = Field(attribute="phone", column_name="Phone")

    class Meta:
        model = Customer
        fields = ("id", "name", "email", "phone")
        export_order = ("id", "name", "email", "phone")
        import_id_fields = ("id",)

    def import_data(
        self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs: Any
    ) -> Result:
        """Our importer's one path, as for import_customers and the web pages:
        the preview checks the file (``dataset`` holds its bytes, see
        RawImportFormat) and records it as a batch; the confirmation applies
        that batch. The admin's form carries the batch from one to the other
        (see CustomerAdmin).

        A file imported before is shown with a warning in the preview; confirming
        the preview imports it again (the confirmation is the admin's --force).
        """
        form = kwargs["form"]
        user = kwargs.get("user")
        if not dry_run:
            report = importing.apply_preview(
                form.cleaned_data["batch"], user=user, force=True
            )
            return report_to_result(report, CSV_HEADER, [])
        report = importing.check_file(
            dataset.raw, file_name=kwargs.get("file_name") or ""
        )
        if not report.refused:
            form.import_batch = importing.record_batch(report, user=user)
        return report_to_result(report, CSV_HEADER, preview_rows(report))


def preview_rows(report: ImportReport) -> list[tuple[str, list[str]]]:
    """The first changes of a report, as (import type, cells) for the preview."""
    if report.plan is None:
        return []
    rows = []
    for row in report.plan.head(PREVIEW_ROWS):
        if row["kind"] == "+":
            cells = [str(row["id"] or "next free ID")]
            cells += [row["name"], row["email"], row["phone"]]
            rows.append(("new", cells))
        else:
            cells = [str(row["id"])]
            for key in ("name", "email", "phone"):
                old, new = row[f"old_{key}"], row[key]
                cells.append(new if old == new else f"{old} → {new}")
            rows.append(("update", cells))
    return rows
