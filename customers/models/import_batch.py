"""Import batches: one customer import each, with its rows and its lifecycle."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from customer_flow.lib.row_errors import RowError
from customers.models.import_job import BackgroundJob

if TYPE_CHECKING:
    from django.contrib.auth.models import User


# A batch still being recorded after this long was left by a killed process.
STALE_RECORDING = timedelta(hours=1)


class BatchRefused(Exception):
    """A batch cannot be applied or discarded now; nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImportBatchQuerySet(models.QuerySet["ImportBatch"]):
    def imported_before(self, sha256: str) -> ImportBatch | None:
        """The newest applied (not reverted) batch of a file with this SHA-256
        that wrote something, if any. (One that changed nothing imported
        nothing.)"""
        wrote = models.Q(created__gt=0) | models.Q(updated__gt=0)
        batches = self.filter(wrote, sha256=sha256, status=ImportBatch.Status.APPLIED)
        return batches.order_by("-applied_at", "-id").first()

    def stale_recordings(self) -> ImportBatchQuerySet:
        """Batches left half-recorded by a killed process: of no use to anyone."""
        # (A batch recorded by a background job keeps its upload to be checked
        # again: the batch page offers that.)
        return self.filter(
            status=ImportBatch.Status.RECORDING,
            upload="",
            created_at__lt=timezone.now() - STALE_RECORDING,
        )


class ImportBatch(BackgroundJob):
    """One customer import: the file, who and when, what it does, and its status.

    A preview in the browser is a batch too (status *previewed*): its rows are
    stored (``ImportBatchRow``) so that "Apply" writes exactly what was shown.
    """

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
        SKIP_INVALID = "skip_invalid", "Valid rows only"

    class Status(models.TextChoices):
        # Uploaded in the browser or the admin: a background job checks it.
        CHECKING = "checking", "Being checked"
        REFUSED = "refused", "Refused"
        # Rows are stored in several short transactions; until the last one the
        # batch is "recording" and can't be applied (a killed process leaves it so).
        RECORDING = "recording", "Being recorded"
        PREVIEWED = "previewed", "Previewed"
        APPLIED = "applied", "Applied"
        OUTDATED = "outdated", "Out of date"
        DISCARDED = "discarded", "Discarded"
        REVERTED = "reverted", "Reverted"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(help_text="In bytes.")
    sha256 = models.CharField(
        "SHA-256",
        max_length=64,
        blank=True,
        db_index=True,
        help_text="Hex digest of the file as uploaded, to recognise a re-import.",
    )
    mode = models.CharField(max_length=20, choices=Mode, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(
        max_length=20,
        choices=Status,
        default=Status.PREVIEWED,
        help_text="Out of date: customers changed after the preview, so it can no "
        "longer be applied.",
    )
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(
        default=0, help_text="Rows refused (and skipped in valid rows only mode)."
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Recorded as the author of the customers' history rows.",
    )
    reverted_at = models.DateTimeField(null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    header = models.JSONField(
        default=list, blank=True, help_text="The file's header cells, as read."
    )
    columns = models.JSONField(
        null=True,
        blank=True,
        help_text='The column mapping the check used, {"id": "Customer ID", ...}, '
        "for a file from another system (none: the header names the fields).",
    )
    warnings = models.JSONField(default=list, blank=True)
    parked = models.JSONField(
        default=list,
        blank=True,
        help_text="IDs of customers whose email another row of the file takes "
        "over: their emails are freed first when the batch is applied.",
    )
    lists_unchanged = models.BooleanField(
        default=False,
        help_text="Whether its unchanged rows are stored (previews in the browser) "
        "or only counted (imports by the command or the admin, to keep them fast).",
    )
    max_file_id = models.PositiveBigIntegerField(
        default=0,
        help_text="The highest ID in the file: rows without ID are numbered above "
        "it and above every customer.",
    )

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "import batch"
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"Import #{self.pk} of {self.file_name or 'a file'}"

    def get_absolute_url(self) -> str:
        return reverse("customers:batch", args=[self.pk])

    def one_line(self) -> str:
        """ID, when, who, file, counts and status, as ``import_batches`` lists it."""
        when = timezone.localtime(self.created_at)
        who = self.created_by.get_username() if self.created_by else "-"
        return (
            f"#{self.pk}  {when:%Y-%m-%d %H:%M}  {who}  "
            f"{self.file_name or '(no name)'}  {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, "
            f"{self.invalid} invalid  {self.get_status_display().lower()}"
        )

    @property
    def is_refused(self) -> bool:
        """An all-or-nothing file with invalid rows: nothing of it can be written."""
        return self.mode == self.Mode.ALL_OR_NOTHING and self.invalid > 0

    @property
    def can_apply(self) -> bool:
        return (
            self.status == self.Status.PREVIEWED
            and not self.is_refused
            and not self.is_busy
        )

    @property
    def can_check_again(self) -> bool:
        """A check that failed, was interrupted or refused the file can run
        again on the kept upload."""
        # (Recording and no job at work: a worker was killed while saving rows.)
        waiting = self.status in (
            self.Status.CHECKING,
            self.Status.REFUSED,
            self.Status.RECORDING,
        )
        return bool(self.upload) and waiting and not self.is_busy

    @property
    def needs_columns(self) -> bool:
        """Refused because its header does not name the fields, with the file
        kept: the mapping step can map its columns and check it again."""
        return (
            self.status == self.Status.REFUSED
            and bool(self.header)
            and self.can_check_again
        )

    def switch_mode(self, mode: str) -> None:
        """All or nothing <-> valid rows only, for a preview: its rows are the
        same either way (invalid rows are always listed, never planned)."""
        updated = ImportBatch.objects.filter(
            pk=self.pk, status=self.Status.PREVIEWED
        ).update(mode=mode)
        if not updated:
            raise BatchRefused(
                f"Import #{self.pk} is not a preview: its mode can no longer change."
            )
        self.mode = mode

    @property
    def can_revert(self) -> bool:
        """Applied, and no undo of it waiting for a worker or running."""
        return self.status == self.Status.APPLIED and not self.is_busy

    def duplicate(self) -> ImportBatch | None:
        """An applied batch of the same file, if any (never this one)."""
        return ImportBatch.objects.exclude(pk=self.pk).imported_before(self.sha256)

    def mark_recorded(self) -> None:
        """All its rows are stored: the batch can be applied."""
        self.status = self.Status.PREVIEWED
        self.save(update_fields=["status"])

    def mark_applied(self, by: User | None) -> None:
        """The batch was written, by ``by``: call it inside the write's
        transaction, so that both happen or neither."""
        self.status = self.Status.APPLIED
        self.applied_at = timezone.now()
        self.applied_by = by
        # Only these: a background job's progress is written beside it.
        fields = ["status", "applied_at", "applied_by"] if self.pk else None
        self.save(update_fields=fields)

    def mark_outdated(self) -> None:
        """Customers changed since the preview: it can no longer be applied."""
        ImportBatch.objects.filter(pk=self.pk, status=self.Status.PREVIEWED).update(
            status=self.Status.OUTDATED
        )
        self.refresh_from_db(fields=["status", "applied_at", "applied_by"])

    @transaction.atomic
    def discard(self) -> None:
        """Drop a preview that will not be applied (its rows too; the record
        stays). Raises ``BatchRefused`` unless it is a preview."""
        fresh = ImportBatch.objects.select_for_update().get(pk=self.pk)
        status = fresh.status
        discardable = (
            self.Status.PREVIEWED,
            self.Status.OUTDATED,
            self.Status.CHECKING,
            self.Status.REFUSED,
            self.Status.RECORDING,
        )
        # A job at work on it would write on: wait for it (or for it to stall).
        # A queued one finds the batch discarded and does nothing.
        running = fresh.job_state == self.JobState.RUNNING and not fresh.is_stalled
        if status not in discardable or running:
            self.status = status
            raise BatchRefused(
                f"Import #{self.pk} is {self.get_status_display().lower()}: only a "
                "preview can be discarded."
            )
        self.status = self.Status.DISCARDED
        self.job_state = self.JobState.IDLE
        self.save(update_fields=["status", "job_state"])
        self.rows.all().delete()

    def mark_reverted(self, by: User | None) -> None:
        """The batch was undone, by ``by``: call it inside the undo's transaction."""
        self.status = self.Status.REVERTED
        self.reverted_at = timezone.now()
        self.reverted_by = by
        self.save(update_fields=["status", "reverted_at", "reverted_by"])

    def count_of(self, kind: str) -> int:
        """How many rows of this kind (an ``ImportBatchRow.Kind``, or "" for all)
        are stored."""
        counts: dict[str, int] = {
            ImportBatchRow.Kind.NEW: self.created,
            ImportBatchRow.Kind.CHANGED: self.updated,
            ImportBatchRow.Kind.UNCHANGED: self.unchanged
            if self.lists_unchanged
            else 0,
            ImportBatchRow.Kind.INVALID: self.invalid,
        }
        return counts.get(kind, sum(counts.values()))


class ImportBatchRow(models.Model):
    """One row of an import's file, as the preview found it.

    New and changed rows are the plan that Apply writes (in ``position`` order);
    a changed row keeps the customer's values before (``old_*``) and the version
    they were read at. For an applied batch these rows are the before and after
    of every customer it touched: what the batches page shows and what an undo
    restores.
    """

    class Kind(models.TextChoices):
        NEW = "new", "New"
        CHANGED = "changed", "Changed"
        UNCHANGED = "unchanged", "Unchanged"
        INVALID = "invalid", "Invalid"

    # No database constraint: rows are written in bulk (as for the history rows'
    # import_batch, a constraint is checked row by row); Django still cascades.
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.CASCADE,
        related_name="rows",
        db_constraint=False,
        db_index=False,  # the indexes below lead with it
    )
    line = models.PositiveIntegerField(help_text="Physical line in the file.")
    kind = models.CharField(max_length=10, choices=Kind)
    position = models.PositiveIntegerField(
        null=True, blank=True, help_text="Order of writing (new and changed rows)."
    )
    customer_id = models.BigIntegerField(
        "customer ID",
        null=True,
        blank=True,
        help_text="Empty for a new row without ID until the batch is applied.",
    )
    # Database defaults: rows are written in bulk with only the columns their
    # kind fills (customers.importing.batch_rows).
    name = models.TextField(blank=True, db_default="")
    email = models.TextField(blank=True, db_default="")
    phone = models.TextField(blank=True, db_default="")
    old_name = models.TextField(blank=True, db_default="")
    old_email = models.TextField(blank=True, db_default="")
    old_phone = models.TextField(blank=True, db_default="")
    version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="A changed customer's version when previewed; Apply refuses if "
        "it moved.",
    )
    values = models.JSONField(
        null=True, blank=True, help_text="An invalid row's cells, as in the file."
    )
    problems = models.JSONField(
        null=True, blank=True, help_text="An invalid row's [column, reason, value]s."
    )

    class Meta:
        ordering = ["batch", "line"]
        indexes = [
            models.Index(fields=["batch", "kind", "line"], name="batchrow_kind_idx"),
            models.Index(fields=["batch", "line"], name="batchrow_line_idx"),
        ]

    def __str__(self) -> str:
        return f"Line {self.line} of import #{self.batch_id}: {self.kind}"

    def errors(self) -> list[RowError]:
        """An invalid row's problems, as the importer reported them."""
        return [
            RowError(self.line, column, value, message)
            for column, message, value in self.problems or []
        ]

    def changes(self) -> list[tuple[str, str, str]]:
        """(field, old, new) of each value a changed row changes."""
        if self.kind != self.Kind.CHANGED:
            return []
        pairs = [
            ("Name", self.old_name, self.name),
            ("Email", self.old_email, self.email),
            ("Phone", self.old_phone, self.phone),
        ]
        return [(label, old, new) for label, old, new in pairs if old != new]
