"""The TicketType resource and file format of the admin's import and export."""

from __future__ import annotations

from typing import Any

import tablib
from import_export import resources
from import_export.fields import Field
from import_export.results import Result

from customer_flow.import_export_admin import RawImportFormat, report_to_result
from tickets.importing import import_ticket_types
from tickets.models import TicketType


class TicketTypesFile(RawImportFormat):
    """ticket_types.json, ``{"1": "Technical Issue", ...}``, both ways (the
    library's JSON format reads a list of objects, by key position)."""

    title = "JSON (ticket_types.json)"
    extension = "json"
    content_type = "application/json"

    def can_export(self) -> bool:
        return True

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        import json

        keys, names = dataset.headers.index("Key"), dataset.headers.index("Name")
        rows = sorted(dataset, key=lambda row: (len(str(row[keys])), str(row[keys])))
        mapping = {str(row[keys]): row[names] for row in rows}
        return json.dumps(mapping, indent=2, ensure_ascii=False) + "\n"


class TicketTypeResource(resources.ModelResource):
    code = Field(attribute="code", column_name="Key")
    name = Field(attribute="name", column_name="Name")

    class Meta:
        model = TicketType
        fields = ("code", "name")
        import_id_fields = ("code",)

    def import_data(
        self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs: Any
    ) -> Result:
        """Import with our importer (the same as import_ticket_types)."""
        report = import_ticket_types(
            dataset.raw, dry_run=dry_run, user=kwargs.get("user")
        )
        return report_to_result(report, ["Key", "Name"])
