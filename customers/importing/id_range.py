"""IDs at the top of the range: rows without an ID that no free ID is left for.

A row with an empty ID creates a customer with the next free ID, one above the
highest. When that would pass the largest ID the database holds
(``validation.MAX_CUSTOMER_ID``), the row is refused while the file is checked,
with its line, instead of failing the write.
"""

from __future__ import annotations

from django.db.models import Max

from customer_flow.lib.row_errors import RowError
from customers import validation
from customers.importing.columns import COLUMNS
from customers.importing.report import Plan
from customers.models import Customer


def refuse_id_overflow(plan: Plan) -> list[RowError]:
    """Drop from ``plan`` the rows without ID that would get an ID above the
    largest possible, and say why for each."""
    without_id = plan.rows.column("id").null_count
    if not without_id:
        return []
    highest = Customer.objects.aggregate(highest=Max("id"))["highest"] or 0
    highest = max(highest, plan.max_file_id)
    room = max(validation.MAX_CUSTOMER_ID - highest, 0)
    if without_id <= room:
        return []
    keep = plan.rows.num_rows - without_id + room
    lines = plan.rows.column("line").slice(keep).to_pylist()
    plan.rows = plan.rows.slice(0, keep)
    message = (
        f"No free ID is left for this row: the highest ID is {highest}, the largest "
        "possible; give the row an unused ID."
        if room == 0
        else f"No free ID is left for this row: the highest ID is {highest} and "
        f"only {room} more fit below the largest possible, "
        f"{validation.MAX_CUSTOMER_ID}; give the row an unused ID."
    )
    return [RowError(line, COLUMNS["id"], None, message) for line in lines]
