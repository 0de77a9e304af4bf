"""IDs at the top of the range: rows without an ID that no free ID is left for.

A row with an empty ID creates a customer with the next free ID, one above the
highest. When that would pass the largest ID the database holds
(``validation.MAX_CUSTOMER_ID``), the row is refused while the file is checked,
with its line, instead of failing the write.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Max

from customer_flow.lib.row_errors import RowError
from customers import validation
from customers.importing.columns import COLUMNS
from customers.importing.report import Plan
from customers.models import Customer


def refuse_id_overflow(plan: Plan) -> list[RowError]:
    """Drop from ``plan`` the rows without ID that would get an ID above the
    largest possible, and say why for each."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {plan.table} WHERE id IS NULL")
        without_id = cursor.fetchone()[0]
        if not without_id:
            return []
        highest = Customer.objects.aggregate(highest=Max("id"))["highest"] or 0
        highest = max(highest, plan.max_file_id)
        room = max(validation.MAX_CUSTOMER_ID - highest, 0)
        if without_id <= room:
            return []
        keep = plan.created + plan.updated - without_id + room
        cursor.execute(
            f"SELECT line FROM {plan.table} WHERE pos > %s ORDER BY pos", [keep]
        )
        lines = [line for (line,) in cursor.fetchall()]
        cursor.execute(f"DELETE FROM {plan.table} WHERE pos > %s", [keep])
    plan.created -= len(lines)  # rows without ID create customers
    message = (
        f"No free ID is left for this row: the highest ID is {highest}, the largest "
        "possible; give the row an unused ID."
        if room == 0
        else f"No free ID is left for this row: the highest ID is {highest} and "
        f"only {room} more fit below the largest possible, "
        f"{validation.MAX_CUSTOMER_ID}; give the row an unused ID."
    )
    return [RowError(line, COLUMNS["id"], None, message) for line in lines]
