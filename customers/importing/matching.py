"""Match the file's rows to customers and work out what changes: the plan.

Set-based SQL over the staged rows (``staging``) joined with the customers
table, by ID (its primary key) and by email identity (``email_key``, unique):
nothing of the customers table or of the file is held in this process, so the
memory an import needs does not grow with either. (SQL rather than pandas: a
join with a million customers in the database is one statement, where a
DataFrame would first have to load them all, which is what this replaced.)
"""

from __future__ import annotations

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.utils.translation import ngettext

from customer_flow.lib.row_errors import RowError
from customers import validation
from customers.importing.report import Plan, Progress, no_progress
from customers.importing.rules import describe_lines
from customers.importing.staging import (
    Stage,
    create_plan_table,
    groups,
    integer,
    mark_bad,
)
from customers.models import Customer


def plan_changes(
    stage: Stage, *, has_phone: bool, progress: Progress = no_progress
) -> tuple[Plan, int, list[RowError], list[str]]:
    """Match the valid rows of ``stage`` to customers and work out what changes.

    Returns the plan, the number of unchanged rows, the errors found against the
    database (email taken, a customer matched twice) and warnings.
    """
    with connection.cursor() as cursor:
        total = _match(cursor, stage, has_phone)
        progress("matching", total // 2, total)
        errors = _refuse_double_matches(cursor, stage)
        errors += _refuse_taken_emails(cursor, stage)
        created, updated = _build_plan(cursor, stage, has_phone)
        park = _parked(cursor, stage)
        warnings = _archived_warnings(cursor, stage)
        cursor.execute(f"SELECT COUNT(*) FROM {stage.match} WHERE {_SAME}")
        unchanged = cursor.fetchone()[0]
        cursor.execute(f"SELECT MAX(resolved) FROM {stage.match}")
        max_file_id = max(cursor.fetchone()[0] or 0, 0)
    plan = Plan(
        stage.plan,
        park,
        max_file_id,
        created=created,
        updated=updated,
        unchanged_from=stage.match,
    )
    return plan, unchanged, errors, warnings


def _customers() -> str:
    return connection.ops.quote_name(Customer._meta.db_table)


# A valid row identical to the customer it matched; one that changes it.
_SAME = "bad = 0 AND matched IS NOT NULL AND same = 1"
_WRITTEN = "bad = 0 AND NOT (matched IS NOT NULL AND same = 1)"


def _match(cursor: CursorWrapper, stage: Stage, has_phone: bool) -> int:
    """Match each row by ID, else by email (ignoring case): one join.

    explicit: the row names an ID; found: of an existing customer; owner: the
    customer that has the row's email now (0: none, or not looked up); matched:
    the customer whose values the row is compared with; resolved: the customer
    the row writes (0: a new one); old_key: the email identity the row's
    customer gives up (its email moves); same: the row holds its customer's
    values exactly (name, email and, when the file has them, phone).
    """
    whole = integer()
    cursor.execute(
        f"CREATE TEMPORARY TABLE {stage.match} (line {whole} PRIMARY KEY, "
        f"email TEXT, email_key TEXT, bad {whole} NOT NULL, explicit {whole}, "
        f"owner {whole}, matched {whole}, resolved {whole}, old_key TEXT, "
        f"same {whole})"
    )
    same_email = "c.email = s.email"
    owner = f"COALESCE(CASE WHEN {same_email} THEN s.id END, o.id, 0)"
    matched = "CASE WHEN s.id > 0 THEN c.id ELSE o.id END"

    def value(name: str) -> str:
        return f"CASE WHEN s.id > 0 THEN c.{name} ELSE o.{name} END"

    cursor.execute(
        f"INSERT INTO {stage.match} SELECT s.line, s.email, s.email_key, s.bad, "
        "CASE WHEN s.id > 0 THEN 1 ELSE 0 END, "
        f"{owner}, {matched}, "
        f"CASE WHEN s.id > 0 THEN s.id ELSE {owner} END, "
        "CASE WHEN c.email_key <> s.email_key THEN c.email_key END, "
        f"CASE WHEN {value('name')} = s.name AND {value('email')} = s.email "
        f"AND {value('phone') + ' = s.phone' if has_phone else '1 = 1'} "
        "THEN 1 ELSE 0 END "
        f"FROM {stage.file} AS s LEFT JOIN {_customers()} AS c ON c.id = s.id "
        f"LEFT JOIN {_customers()} AS o ON o.email_key = s.email_key AND s.bad = 0 "
        f"AND (c.email IS NULL OR NOT ({same_email}))"
    )
    cursor.execute(f"SELECT COUNT(*) FROM {stage.match}")
    return cursor.fetchone()[0]


def _refuse_double_matches(cursor: CursorWrapper, stage: Stage) -> list[RowError]:
    """A row without ID matched by email to a customer another row names by ID:
    both rows are refused."""
    errors: list[RowError] = []
    cursor.execute(
        f"SELECT 1 FROM {stage.match} WHERE bad = 0 AND explicit = 0 "
        "AND matched IS NOT NULL LIMIT 1"
    )
    if cursor.fetchone() is None:
        return errors
    sql = (
        f"SELECT m.resolved, m.line, m.explicit FROM {stage.match} AS m JOIN "
        f"(SELECT resolved FROM {stage.match} WHERE bad = 0 AND resolved > 0 "
        "GROUP BY resolved HAVING COUNT(*) > 1 AND MIN(explicit) = 0) AS d "
        "ON d.resolved = m.resolved WHERE m.bad = 0 ORDER BY m.resolved, m.line"
    )
    for customer, rows in list(groups(cursor, sql)):
        lines = [line for _customer, line, _explicit in rows]
        for _customer, line, explicit in rows:
            others = describe_lines([other for other in lines if other != line])
            how = "by its ID" if explicit else "by its email"
            errors.append(
                RowError(
                    line,
                    "ID" if explicit else "Email",
                    None,
                    f"This row matches customer {customer} {how}, and so does "
                    f"{others}.",
                )
            )
    mark_bad(cursor, stage.match, [error.line for error in errors if error.line])
    return errors


def _refuse_taken_emails(cursor: CursorWrapper, stage: Stage) -> list[RowError]:
    """An email may move to another customer only if its owner changes theirs in
    the same file; rows refused meanwhile don't release theirs."""
    errors: list[RowError] = []
    while True:
        cursor.execute(
            f"SELECT line, email, owner FROM {stage.match} WHERE bad = 0 "
            "AND owner > 0 AND owner <> resolved AND owner NOT IN "
            f"(SELECT resolved FROM {stage.match} WHERE bad = 0 "
            "AND old_key IS NOT NULL) ORDER BY line"
        )
        taken = cursor.fetchall()
        if not taken:
            return errors
        errors += [
            RowError(line, "Email", email, validation.EMAIL_TAKEN % {"id": owner})
            for line, email, owner in taken
        ]
        mark_bad(cursor, stage.match, [line for line, _email, _owner in taken])


def _build_plan(
    cursor: CursorWrapper, stage: Stage, has_phone: bool
) -> tuple[int, int]:
    """The plan's rows in writing order: by ID, rows without ID last in file
    order (the customers table is then appended to in key order, and new IDs
    follow the highest one). Returns how many create and update."""
    create_plan_table(cursor, stage.plan)
    phone = "s.phone" if has_phone else "COALESCE(c.phone, '')"
    cursor.execute(
        f"INSERT INTO {stage.plan} (pos, kind, id, name, email, phone, version, "
        "line, old_name, old_email, old_phone) SELECT row_number() OVER (ORDER BY "
        "CASE WHEN m.resolved > 0 THEN 0 ELSE 1 END, m.resolved, m.line), "
        "CASE WHEN m.matched IS NULL THEN '+' ELSE '~' END, "
        "CASE WHEN m.resolved > 0 THEN m.resolved END, s.name, s.email, "
        f"{phone}, c.version, m.line, c.name, c.email, c.phone "
        f"FROM {stage.match} AS m JOIN {stage.file} AS s ON s.line = m.line "
        f"LEFT JOIN {_customers()} AS c ON c.id = m.matched "
        "WHERE m.bad = 0 AND NOT (m.matched IS NOT NULL AND m.same = 1)"
    )
    cursor.execute(
        f"SELECT COUNT(*), COUNT(version) FROM {stage.plan}"  # version: an update
    )
    rows, updated = cursor.fetchone()
    return rows - updated, updated


def _parked(cursor: CursorWrapper, stage: Stage) -> list[int]:
    """Customers whose current email another row of the file takes over."""
    cursor.execute(
        f"SELECT resolved FROM {stage.match} WHERE {_WRITTEN} "
        "AND old_key IS NOT NULL AND old_key IN "
        f"(SELECT email_key FROM {stage.match} WHERE {_WRITTEN}) ORDER BY resolved"
    )
    return [customer for (customer,) in cursor.fetchall()]


def _archived_warnings(cursor: CursorWrapper, stage: Stage) -> list[str]:
    archived = (
        f"FROM {stage.match} AS m JOIN {_customers()} AS c ON c.id = m.matched "
        f"WHERE m.bad = 0 AND m.same = 0 AND c.archived_at IS NOT NULL"
    )
    cursor.execute(f"SELECT COUNT(*) {archived}")
    count = cursor.fetchone()[0]
    if not count:
        return []
    cursor.execute(f"SELECT m.resolved {archived} ORDER BY m.resolved LIMIT 6")
    ids = [customer for (customer,) in cursor.fetchall()]
    shown = ", ".join(str(i) for i in ids[:5]) + (" …" if count > 5 else "")
    rows = ngettext("%(count)d row update", "%(count)d rows update", count)
    return [
        f"{rows % {'count': count}} archived customers ({shown}); they stay archived."
    ]
