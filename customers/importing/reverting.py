"""Undo an applied import batch: all or nothing, and recorded in the history.

What the batch did is read from its stored rows (``ImportBatchRow``), the one
source of truth for an import's before and after: a changed row holds the
customer's values before the import, read at the version that the write checked
(so they are exactly the values it replaced, even for customers with no earlier
history row, like those loaded by ``seed_demo``), and a new row the ID of the
customer it created. The history rows the import wrote are the audit trail; the
revert adds its own, by the person who reverted, with the reason "Undo of import
#N".

A customer "changed since" the batch is one whose name, email or phone is no
longer exactly what the batch wrote (an edit, a later import), or that no longer
exists. By default any such customer refuses the whole revert, naming each one;
``force`` restores the batch's customers anyway, overwriting the later changes
(customers removed since stay removed). Values rather than the ``version``
counter, because every save moves the version: after undoing a later batch, the
customers hold exactly what the earlier batch wrote, and undoing that one too
(an undo stack) must not be refused. Archiving is not a change of values: an
updated customer archived since keeps its archived state and gets its values
back.

Everything is set-based SQL over the batch's rows, so a 100,000-row batch
reverts in about a second (bench/batches.py), without pyarrow. What a revert
reports, and its refusal, are ``revert_report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import ngettext

from customer_flow.lib.history_rows import insert_history_rows
from customer_flow.lib.users import recorded_user
from customers import derived_tables
from customers.importing.revert_report import Conflict, RevertRefused, RevertReport
from customers.models import Customer, ImportBatch, ImportBatchRow
from customers.search_keys import refresh_keys
from tickets.models import Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Kind = ImportBatchRow.Kind
_PARKED = "!parked-by-revert-"
# The customer still holds what the batch's row wrote.
_AS_WRITTEN = "c.name = r.name AND c.email = r.email AND c.phone = r.phone"
_SHOWN = 10  # conflicts named in a one-line message


@dataclass(frozen=True)
class _Tables:
    customers: str
    rows: str
    tickets: str

    @classmethod
    def quoted(cls) -> _Tables:
        name = connection.ops.quote_name
        return cls(
            customers=name(Customer._meta.db_table),
            rows=name(ImportBatchRow._meta.db_table),
            tickets=name(Ticket._meta.db_table),
        )


def changed_since(batch: ImportBatch) -> list[Conflict]:
    """The customers this batch wrote that changed or were removed after it, by
    ID."""
    t = _Tables.quoted()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.customer_id, COALESCE(c.name, r.name), c.id IS NULL "
            f"FROM {t.rows} AS r LEFT JOIN {t.customers} AS c ON c.id = r.customer_id "
            "WHERE r.batch_id = %s AND r.kind IN (%s, %s) "
            "AND r.customer_id IS NOT NULL "
            f"AND (c.id IS NULL OR NOT ({_AS_WRITTEN})) "
            "ORDER BY r.customer_id",
            [batch.pk, Kind.NEW, Kind.CHANGED],
        )
        return [Conflict(pk, name, bool(gone)) for pk, name, gone in cursor.fetchall()]


def created_with_tickets(batch: ImportBatch) -> int:
    """How many of the customers this batch created have tickets (an undo
    archives them instead of removing them)."""
    created = batch.rows.filter(kind=Kind.NEW).values("customer_id")
    return (
        Ticket.objects.filter(customer_id__in=Subquery(created))
        .values("customer_id")
        .distinct()
        .count()
    )


def check_revert(batch: ImportBatch) -> None:
    """Raise ``RevertRefused`` if this batch cannot be reverted at all."""
    if batch.status == ImportBatch.Status.REVERTED:
        when = timezone.localtime(batch.reverted_at)
        who = batch.reverted_by.get_username() if batch.reverted_by else "someone"
        raise RevertRefused(
            f"Import #{batch.pk} was already reverted, on {when:%Y-%m-%d %H:%M} "
            f"by {who}."
        )
    if batch.status != ImportBatch.Status.APPLIED:
        raise RevertRefused(
            f"Import #{batch.pk} was never applied ({batch.get_status_display()}): "
            "there is nothing to undo."
        )
    planned = batch.rows.filter(kind__in=[Kind.NEW, Kind.CHANGED]).count()
    if planned != batch.created + batch.updated:
        raise RevertRefused(
            f"Import #{batch.pk} was recorded before imports kept their rows, so "
            "what it changed is not known: it cannot be reverted."
        )


def check_conflicts(batch: ImportBatch, *, force: bool) -> list[Conflict]:
    """The customers changed since the batch; unless ``force``, any of them
    raise ``RevertRefused``, naming them."""
    conflicts = changed_since(batch)
    if conflicts and not force:
        raise RevertRefused(_conflict_message(batch, conflicts), conflicts)
    return conflicts


@transaction.atomic
def revert_import(
    *, batch: ImportBatch, user: User | None, force: bool = False
) -> RevertReport:
    """Undo ``batch``: remove the customers it created (archive those with
    tickets), give the customers it updated their previous values, and mark it
    reverted. All or nothing; refused (``RevertRefused``) when a customer changed
    since the batch, unless ``force``."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    check_revert(batch)
    # From here on nobody else can change the batch's customers: SQLite's
    # IMMEDIATE transaction holds the write lock, PostgreSQL locks their rows.
    _lock_customers(batch)
    conflicts = check_conflicts(batch, force=force)
    _refuse_email_clashes(batch)

    user = recorded_user(user)
    report = RevertReport(batch.pk, overridden=conflicts)
    now = timezone.now()
    try:
        with (
            transaction.atomic(),
            derived_tables.paused() as touched,
            connection.cursor() as cursor,
        ):
            writer = _Writer(cursor, batch, user, now)
            writer.note_keys(touched)
            report.archived, report.removed = writer.undo_created()
            report.restored = writer.restore_updated()
            writer.note_keys(touched)
            if not conflicts and (
                report.archived + report.removed != batch.created
                or report.restored != batch.updated
            ):
                raise IntegrityError("the batch's customers changed during the revert")
    except IntegrityError:
        raise RevertRefused(
            f"Import #{batch.pk} could not be reverted because customers or their "
            "tickets changed meanwhile; nothing was changed. Try again."
        ) from None
    batch.mark_reverted(by=user)
    return report


def _lock_customers(batch: ImportBatch) -> None:
    if not connection.features.has_select_for_update_of:
        return  # SQLite: the transaction already has the database to itself
    t = _Tables.quoted()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH locked AS (SELECT c.id FROM {t.rows} AS r JOIN {t.customers} AS c "
            "ON c.id = r.customer_id WHERE r.batch_id = %s AND r.kind IN (%s, %s) "
            "FOR UPDATE OF c) SELECT COUNT(*) FROM locked",
            [batch.pk, Kind.NEW, Kind.CHANGED],
        )


def _conflict_message(batch: ImportBatch, conflicts: list[Conflict]) -> str:
    shown = ", ".join(str(c) for c in conflicts[:_SHOWN])
    more = f" and {len(conflicts) - _SHOWN} more" if len(conflicts) > _SHOWN else ""
    changed = ngettext(
        "%(count)d customer was", "%(count)d customers were", len(conflicts)
    ) % {"count": len(conflicts)}
    return (
        f"Import #{batch.pk} was not reverted: {changed} changed after it: "
        f"{shown}{more}. Nothing was changed."
    )


def _refuse_email_clashes(batch: ImportBatch) -> None:
    """Refuse when an email a customer gets back now belongs to a customer the
    revert leaves in place (the database would refuse it anyway)."""
    t = _Tables.quoted()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.customer_id, r.old_email, o.id, o.name FROM {t.rows} AS r "
            f"JOIN {t.customers} AS o ON LOWER(o.email) = LOWER(r.old_email) "
            "WHERE r.batch_id = %s AND r.kind = %s AND o.id <> r.customer_id",
            [batch.pk, Kind.CHANGED],
        )
        clashes = cursor.fetchall()
    if not clashes:
        return
    # Holders that this revert moves out of the way are no clash: customers it
    # restores (each gets its own earlier email) or removes (created, no ticket).
    holders = {holder for _id, _email, holder, _name in clashes}
    kinds = dict(
        batch.rows.filter(customer_id__in=holders).values_list("customer_id", "kind")
    )
    ticketed = set(
        Ticket.objects.filter(customer_id__in=holders).values_list(
            "customer_id", flat=True
        )
    )
    left = [
        (customer, email, holder, name)
        for customer, email, holder, name in clashes
        if not (
            kinds.get(holder) == Kind.CHANGED
            or (kinds.get(holder) == Kind.NEW and holder not in ticketed)
        )
    ]
    if left:
        customer, email, holder, name = left[0]
        more = f" (and {len(left) - 1} more)" if len(left) > 1 else ""
        raise RevertRefused(
            f"Import #{batch.pk} was not reverted: customer #{customer} would get "
            f"back the email {email}, which customer #{holder} {name} now has"
            f"{more}. Nothing was changed; change that email first."
        )


class _Writer:
    """The revert's statements, each over all of the batch's rows at once."""

    def __init__(
        self,
        cursor: CursorWrapper,
        batch: ImportBatch,
        user: AbstractBaseUser | None,
        now: datetime,
    ) -> None:
        self.cursor = cursor
        self.batch = batch
        self.t = _Tables.quoted()
        self.moment = now
        self.now = connection.ops.adapt_datetimefield_value(now)
        self.reason = f"Undo of import #{batch.pk}"[:100]
        self.user_id = user.pk if user else None

    def _ids(self, kind: str) -> tuple[str, list[Any]]:
        """SQL and parameters for the IDs of the batch's customers of a kind."""
        return (
            f"SELECT r.customer_id FROM {self.t.rows} AS r "
            "WHERE r.batch_id = %s AND r.kind = %s",
            [self.batch.pk, kind],
        )

    def _history(self, history_type: str, where: str, params: list[Any]) -> int:
        return insert_history_rows(
            self.cursor,
            Customer,
            source=f"{self.t.customers} AS c WHERE {where} ORDER BY c.id",
            params=params,
            history_type=history_type,
            date=self.moment,
            reason=self.reason,
            user_id=self.user_id,
        )

    def note_keys(self, touched: derived_tables.Touched) -> None:
        """Note the keys of the batch's customers for the derived tables (before
        and after the revert: removed customers' keys, restored old ones)."""
        touched.note(
            f"SELECT c.phone_key, c.name_key, c.email_key FROM {self.t.customers} "
            f"AS c JOIN {self.t.rows} AS r ON c.id = r.customer_id "
            "WHERE r.batch_id = %s AND r.kind IN (%s, %s)",
            [self.batch.pk, Kind.NEW, Kind.CHANGED],
            rows=self.batch.created + self.batch.updated,
        )

    def undo_created(self) -> tuple[int, int]:
        """Archive the created customers that have tickets, remove the others;
        return how many of each."""
        ids_sql, ids_params = self._ids(Kind.NEW)
        created = f"c.id IN ({ids_sql})"
        tickets = f"SELECT 1 FROM {self.t.tickets} AS t WHERE t.customer_id = c.id"

        self.cursor.execute(
            f"SELECT c.id, c.archived_at IS NULL FROM {self.t.customers} AS c "
            f"WHERE {created} AND EXISTS ({tickets})",
            ids_params,
        )
        ticketed = self.cursor.fetchall()
        to_archive = [pk for pk, active in ticketed if active]
        for start in range(0, len(to_archive), 500):
            chunk = to_archive[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            self.cursor.execute(
                f"UPDATE {self.t.customers} SET archived_at = %s, updated_at = %s, "
                f"version = version + 1 WHERE id IN ({marks})",
                [self.now, self.now, *chunk],
            )
            self._history("~", f"c.id IN ({marks})", chunk)

        removable = f"{created} AND NOT EXISTS ({tickets})"
        self._history("-", removable, ids_params)
        self.cursor.execute(
            f"DELETE FROM {self.t.customers} WHERE id IN "
            f"(SELECT c.id FROM {self.t.customers} AS c WHERE {removable})",
            ids_params,
        )
        return len(ticketed), self.cursor.rowcount

    def restore_updated(self) -> int:
        """Give the updated customers their values from before the batch;
        return how many."""
        mine = "r.batch_id = %s AND r.kind = %s AND c.id = r.customer_id"
        params: list[Any] = [self.batch.pk, Kind.CHANGED]
        # Free the emails first, so that customers can get back each other's
        # (a swap in the file) without tripping the unique index midway.
        self.cursor.execute(
            f"UPDATE {self.t.customers} AS c SET email = %s || CAST(c.id AS TEXT), "
            "email_key = %s || CAST(c.id AS TEXT) "
            f"FROM {self.t.rows} AS r WHERE {mine} AND c.email <> r.old_email",
            [_PARKED, _PARKED, *params],
        )
        self.cursor.execute(
            f"UPDATE {self.t.customers} AS c SET name = r.old_name, "
            "email = r.old_email, phone = r.old_phone, updated_at = %s, "
            f"version = c.version + 1 FROM {self.t.rows} AS r WHERE {mine}",
            [self.now, *params],
        )
        restored = self.cursor.rowcount
        ids_sql, ids_params = self._ids(Kind.CHANGED)
        self.cursor.execute(ids_sql, ids_params)
        refresh_keys(pk for (pk,) in self.cursor.fetchall())
        self._history("~", f"c.id IN ({ids_sql})", ids_params)
        return restored
