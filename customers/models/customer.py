"""Customers, and the link from their history rows to an import batch."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from customers import search, validation


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
