"""The Customer resource of the admin's export (django-import-export). The
admin's import does not reach it: an upload goes to the background check of
the staff pages (``CustomerAdmin.import_action``)."""

from __future__ import annotations

from import_export import resources
from import_export.fields import Field

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
