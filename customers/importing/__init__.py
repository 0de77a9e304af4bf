"""Import customers from id.csv files: one module per stage of the pipeline.

A row passes through the modules in this order, and each module imports only
the modules listed before it (``reverting`` sits beside ``writing``: it may use
what ``writing`` may use, and neither imports the other)::

    report         what an import found and did, its messages (no pyarrow)
    revert_report  what undoing a batch found and did, its refusal (no pyarrow)
    csv_scanning   where a chunk's records start, their lines and fields (numpy)
    csv_reading    the file's bytes -> text columns, with each row's line
    columns        the file's header, the plan's column layout
    intake         files from other systems: empty rows dropped, columns mapped
    rules          every value cleaned by the shared rules; unique in the file
    staging        the checked rows in temporary tables on disk, for the SQL steps
    matching       rows matched to customers: the plan
    id_range       rows without ID that no free ID is left for
    checking       the whole check of a file: read, staged, compared -> the report
    writing        the plan written, with history rows, in one transaction
    reverting      an applied batch undone (no pyarrow)
    batch_rows     a batch's rows, stored in bulk and read back
    batches        record a checked file as a batch, apply it, discard it
    pipeline       the whole import: check -> record -> apply

tests/system/test_import_rules.py enforces the order. Outside code imports the
public names from here (``from customers.importing import import_customers``).
Each name loads its module on first use (PEP 562), so that a page that only
shows batches can import this package, ``report``, ``revert_report`` or
``reverting`` without loading pyarrow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

ORDER = [
    "report",
    "revert_report",
    "csv_scanning",
    "csv_reading",
    "columns",
    "intake",
    "rules",
    "staging",
    "matching",
    "id_range",
    "checking",
    "writing",
    "reverting",
    "batch_rows",
    "batches",
    "pipeline",
]
BESIDE = {"reverting": "writing"}  # same rank: neither imports the other

_PUBLIC = {
    "report": [
        "MATCHING_RULE",
        "ImportReport",
        "Outcome",
        "Plan",
        "Progress",
        "write_batch_rejected_rows",
        "write_rejected_rows",
    ],
    "csv_reading": ["CsvTable", "read_csv"],
    "columns": ["COLUMNS", "map_header"],
    "rules": ["FAST_PATTERNS", "clean_cell", "fast_check", "validate_rows"],
    "matching": ["plan_changes"],
    "writing": ["ConcurrentChange", "write_plan"],
    "revert_report": ["Conflict", "RevertRefused", "RevertReport"],
    "reverting": [
        "changed_since",
        "check_revert",
        "created_with_tickets",
        "revert_import",
    ],
    "batches": [
        "AlreadyImported",
        "BatchOutdated",
        "BatchRefused",
        "apply_batch",
        "load_plan",
        "record_batch",
    ],
    "pipeline": ["check_file", "import_customers", "preview_import"],
}
_MODULE_OF = {name: module for module, names in _PUBLIC.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # the same names, for type checkers
    from customers.importing.batches import (  # noqa: F401
        AlreadyImported,
        BatchOutdated,
        BatchRefused,
        apply_batch,
        load_plan,
        record_batch,
    )
    from customers.importing.columns import COLUMNS, map_header  # noqa: F401
    from customers.importing.csv_reading import CsvTable, read_csv  # noqa: F401
    from customers.importing.matching import plan_changes  # noqa: F401
    from customers.importing.pipeline import (  # noqa: F401
        check_file,
        import_customers,
        preview_import,
    )
    from customers.importing.report import (  # noqa: F401
        MATCHING_RULE,
        ImportReport,
        Outcome,
        Plan,
        Progress,
        write_batch_rejected_rows,
        write_rejected_rows,
    )
    from customers.importing.revert_report import (  # noqa: F401
        Conflict,
        RevertRefused,
        RevertReport,
    )
    from customers.importing.reverting import (  # noqa: F401
        changed_since,
        check_revert,
        created_with_tickets,
        revert_import,
    )
    from customers.importing.rules import (  # noqa: F401
        FAST_PATTERNS,
        clean_cell,
        fast_check,
        validate_rows,
    )
    from customers.importing.writing import ConcurrentChange, write_plan  # noqa: F401
