"""The customers app's models: customers, the import batches that write them, and
the column mappings remembered for files from other systems.

Outside code imports them from here (``from customers.models import Customer``).
``import_batch`` does not import ``customer``: the history rows name their batch
by the string ``"customers.ImportBatch"``.
"""

from customers.models.column_mapping import ColumnMapping
from customers.models.customer import (
    ARCHIVED,
    Customer,
    CustomerQuerySet,
    ImportBatchLink,
)
from customers.models.derived import CustomerName, DuplicateGroup
from customers.models.import_batch import (
    STALE_RECORDING,
    BatchRefused,
    ImportBatch,
    ImportBatchQuerySet,
    ImportBatchRow,
)
from customers.models.merge import CustomerMerge

__all__ = [
    "ARCHIVED",
    "STALE_RECORDING",
    "BatchRefused",
    "ColumnMapping",
    "Customer",
    "CustomerMerge",
    "CustomerName",
    "CustomerQuerySet",
    "DuplicateGroup",
    "ImportBatch",
    "ImportBatchLink",
    "ImportBatchQuerySet",
    "ImportBatchRow",
]
