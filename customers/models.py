from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from customers import search, validation
from customers.row_errors import RowError


class CustomerQuerySet(models.QuerySet["Customer"]):
    def active(self) -> CustomerQuerySet:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> CustomerQuerySet:
        return self.filter(archived_at__isnull=False)

    def with_email(self, email: str) -> CustomerQuerySet:
        """Customers whose email matches ignoring case (uses the unique index)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.lower())

    def with_status(self, status: str) -> CustomerQuerySet:
        """``active``, ``archived`` or anything else for all customers."""
        if status == "active":
            return self.active()
        if status == "archived":
            return self.archived()
        return self

    def search(self, text: str) -> CustomerQuerySet:
        """Customers matching the search box (see ``customers.search``): exact ID,
        or the start of the phone digits, the email, or the name from its first or
        second word."""
        vendor = self.db_vendor()
        query = search.parse(text, vendor=vendor)
        if query.is_empty:
            return self
        condition = models.Q(pk__in=[])
        for _key, branch in query.branches():
            condition |= branch
        return self.alias(**search.keys(vendor)).filter(condition)

    def db_vendor(self) -> str:
        return connections[self.db].vendor


ARCHIVED = models.Q(archived_at__isnull=False)


class ImportBatchLink(models.Model):
    """The extra column of HistoricalCustomer: which import batch wrote the row.

    Rows written by the web form or the admin have none. A batch's changes are its
    history rows compared with each customer's previous history row.
    """

    # No database constraint (Django still enforces PROTECT): PostgreSQL and
    # SQLite check a deferred foreign key row by row at commit, which cost a
    # million-row import 4 of its 13 seconds of write transaction (bench/).
    import_batch = models.ForeignKey(
        "customers.ImportBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        abstract = True


class Customer(models.Model):
    id = models.BigAutoField(
        "ID",
        primary_key=True,
        help_text="The customer ID of id.csv; new customers get the next free ID.",
    )
    name = models.CharField(
        max_length=validation.NAME_MAX_LENGTH, validators=[validation.validate_name]
    )
    email = models.EmailField(
        max_length=validation.EMAIL_MAX_LENGTH,
        validators=[validation.validate_email],
        help_text="Unique ignoring case.",
    )
    phone = models.CharField(
        max_length=validation.PHONE_MAX_LENGTH,
        blank=True,
        validators=[validation.validate_phone],
        help_text="Kept exactly as entered: digits, spaces, + ( ) - . / and an "
        "extension like x123.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the customer is archived; empty means active.",
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Raised on every save; a form saved on an older version is refused.",
    )

    objects = CustomerQuerySet.as_manager()
    # history_user without a database constraint, for the same reason as
    # import_batch (an import's million rows all name the importing user).
    history = HistoricalRecords(
        excluded_fields=["version"],
        bases=[ImportBatchLink],
        user_db_constraint=False,
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="customer_email_unique_ci",
                violation_error_message="A customer with this email already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(id__gt=0), name="customer_id_positive"
            ),
        ]
        indexes = [
            # Search by name prefix and sort by name (the email one is the unique
            # constraint above). Expressions, so bulk-written rows need nothing.
            models.Index(Lower("name"), name="customer_name_lower_idx"),
            models.Index(search.NameTail("name"), name="customer_name_tail_idx"),
            models.Index(search.PhoneDigits("phone"), name="customer_phone_digits_idx"),
            models.Index(fields=["created_at"], name="customer_created_idx"),
            # Only archived rows: "archived IS NULL" must not pick this index.
            models.Index(
                fields=["archived_at"], name="customer_archived_idx", condition=ARCHIVED
            ),
            # The search keys again for the few archived customers, so searching
            # the Archived filter reads them in order instead of skipping through
            # every active match. (SQLite prefers these once ANALYZE has run.)
            models.Index(
                Lower("name"), name="customer_arch_name_idx", condition=ARCHIVED
            ),
            models.Index(
                search.NameTail("name"),
                name="customer_arch_tail_idx",
                condition=ARCHIVED,
            ),
            models.Index(
                Lower("email"), name="customer_arch_email_idx", condition=ARCHIVED
            ),
            models.Index(
                search.PhoneDigits("phone"),
                name="customer_arch_phone_idx",
                condition=ARCHIVED,
            ),
        ]
        permissions = [
            ("archive_customer", "Can archive and restore customers"),
            ("import_customer", "Can import customers"),
            ("export_customer", "Can export customers"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})" if self.pk else self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The version lets an edit form notice that someone saved in between.
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    def clean(self) -> None:
        if self.email:
            other = (
                Customer.objects.with_email(self.email)
                .exclude(pk=self.pk)
                .values_list("pk", flat=True)
                .first()
            )
            if other is not None:
                raise ValidationError(
                    {
                        "email": ValidationError(
                            validation.EMAIL_TAKEN, code="unique", params={"id": other}
                        )
                    }
                )

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # clean() reports the email clash on the email field, with the other
        # customer's ID; don't report it a second time as a form-wide error.
        super().validate_constraints(exclude=set(exclude or ()) | {"email"})

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def archive(self) -> None:
        if self.archived_at is None:
            self.archived_at = timezone.now()
            self.save(update_fields=["archived_at", "updated_at", "version"])

    def restore(self) -> None:
        if self.archived_at is not None:
            self.archived_at = None
            self.save(update_fields=["archived_at", "updated_at", "version"])


class ImportBatchQuerySet(models.QuerySet["ImportBatch"]):
    def applied_with_hash(self, sha256: str) -> ImportBatchQuerySet:
        """Applied (not reverted) batches of a file with this SHA-256 that wrote
        something, newest first. (One that changed nothing imported nothing.)"""
        wrote = models.Q(created__gt=0) | models.Q(updated__gt=0)
        return self.filter(
            wrote, sha256=sha256, status=ImportBatch.Status.APPLIED
        ).order_by("-applied_at", "-id")


class ImportBatch(models.Model):
    """One customer import: the file, who and when, what it does, and its status.

    A preview in the browser is a batch too (status *previewed*): its rows are
    stored (``ImportBatchRow``) so that "Apply" writes exactly what was shown.
    """

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", "All or nothing"
        SKIP_INVALID = "skip_invalid", "Valid rows only"

    class Status(models.TextChoices):
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

    @property
    def is_refused(self) -> bool:
        """An all-or-nothing file with invalid rows: nothing of it can be written."""
        return self.mode == self.Mode.ALL_OR_NOTHING and self.invalid > 0

    @property
    def can_apply(self) -> bool:
        return self.status == self.Status.PREVIEWED and not self.is_refused

    @property
    def can_revert(self) -> bool:
        return self.status == self.Status.APPLIED

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
    # kind fills (customers.batch_rows).
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
