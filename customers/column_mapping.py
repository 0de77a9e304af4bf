"""The import's mapping step as one workflow for the web page and the API: a
batch refused because its header does not name the fields gets a mapping, the
mapping is remembered for the next file with the same headers, and the kept
file is checked again with it (``customers.importing.intake``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from customers import import_jobs
from customers.models import BatchRefused, ColumnMapping, ImportBatch

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def batch_map_columns(
    *, batch: ImportBatch, columns: dict[str, str], user: User | None
) -> None:
    """Map ``batch``'s columns (``{"id": "Customer ID", ...}``, header cells),
    remember the mapping and queue the check again. Raises ``ValueError`` with
    the intake's messages for a mapping that does not fit the header, and
    ``BatchRefused`` for a batch that is not waiting for one."""
    # Here, not at the top: the intake stage loads pyarrow, and the pages that
    # only show batches must not (see customers/importing/__init__.py).
    from customers.importing.intake import choose_columns, signature

    if not batch.needs_columns:
        raise BatchRefused(f"Import #{batch.pk} is not waiting for its columns.")
    header = list(batch.header)
    errors = choose_columns(header, 1, columns).errors
    if errors:
        raise ValueError(" ".join(error.message for error in errors))
    ColumnMapping.objects.update_or_create(
        signature=signature(header),
        defaults={"header": header, "columns": columns, "saved_by": user},
    )
    batch.columns = columns
    batch.save(update_fields=["columns"])
    import_jobs.check_again(batch)
