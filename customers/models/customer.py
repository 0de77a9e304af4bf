"""Customers, and the link from their history rows to an import batch."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from customer_flow.lib.folding import email_identity
from customer_flow.lib.key_fields import KeyField
from customers import search, validation
from customers.search_keys import KEY_FIELDS, keys_of


class CustomerQuerySet(models.QuerySet["Customer"]):
    def active(self) -> CustomerQuerySet:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> CustomerQuerySet:
        return self.filter(archived_at__isnull=False)

    def with_email(self, email: str) -> CustomerQuerySet:
        """Customers whose email is the same address (its identity: case
        folded, NFC, IDNA domain; uses the unique index)."""
        return self.filter(email_key=email_identity(email))

    def with_status(self, status: str) -> CustomerQuerySet:
        """``active``, ``archived`` or anything else for all customers."""
        if status == "active":
            return self.active()
        if status == "archived":
            return self.archived()
        return self

    def search(self, text: str) -> CustomerQuerySet:
        """Customers matching the search box (see ``customers.search``): exact ID,
        or the start (or last digits) of the phone, the email, its domain, or a
        word of the name, ignoring case and accents."""
        query = search.parse(text)
        if query.is_empty:
            return self
        return self.filter(query.condition(self.db))

    def duplicates_of(self, customer: Customer) -> CustomerQuerySet:
        """Active customers that look like ``customer``: the same phone digits,
        or the same folded name with the same email local part."""
        local = customer.email_key.rpartition("@")[0]
        same = models.Q(name_key=customer.name_key, email_key__startswith=f"{local}@")
        if len(customer.phone_key) >= 7:
            same |= models.Q(phone_key=customer.phone_key)
        return self.active().filter(same).exclude(pk=customer.pk)

    def db_vendor(self) -> str:
        return connections[self.db].vendor

    def bulk_create(
        self, objs: Iterable[Customer], *args: Any, **kwargs: Any
    ) -> list[Customer]:
        """As Django's, with each customer's search and identity keys filled
        (save() is not called for bulk-created rows)."""
        objs = list(objs)
        for customer in objs:
            customer.fill_keys()
        return super().bulk_create(objs, *args, **kwargs)


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
    # The search and identity keys (customers.search_keys), kept in step with
    # name, email and phone by save(), the importer and its undo. A row written
    # by raw SQL must give email_key; its search keys default to empty.
    name_key = KeyField(
        max_length=400, blank=True, editable=False, default="", db_default=""
    )
    name_tail_key = KeyField(
        max_length=400, blank=True, editable=False, default="", db_default=""
    )
    name_last_key = KeyField(
        max_length=400, blank=True, editable=False, default="", db_default=""
    )
    email_key = KeyField(
        max_length=400,
        editable=False,
        default="",
        help_text="The email's identity: case folded, NFC, IDNA domain. Unique.",
    )
    email_domain_key = KeyField(
        max_length=400, blank=True, editable=False, default="", db_default=""
    )
    phone_key = KeyField(
        max_length=40, blank=True, editable=False, default="", db_default=""
    )
    phone_rev_key = KeyField(
        max_length=40, blank=True, editable=False, default="", db_default=""
    )
    # No database constraint (Django still enforces PROTECT), as for
    # import_batch: a deferred check queued for every row of a bulk write.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        help_text="Set when this customer was merged into another (and archived).",
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
        excluded_fields=["version", *KEY_FIELDS],
        bases=[ImportBatchLink],
        user_db_constraint=False,
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email_key"],
                name="customer_email_identity_unique",
                violation_error_message="A customer with this email already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(id__gt=0), name="customer_id_positive"
            ),
        ]
        indexes = [
            # The search keys (the email's is the unique constraint above): each
            # kind of search is a prefix range on one of them.
            models.Index(fields=["name_key", "id"], name="customer_name_key_idx"),
            models.Index(fields=["name_tail_key"], name="customer_name_tail_key_idx"),
            models.Index(fields=["name_last_key"], name="customer_name_last_key_idx"),
            models.Index(fields=["email_domain_key"], name="customer_domain_key_idx"),
            models.Index(fields=["phone_key", "id"], name="customer_phone_key_idx"),
            models.Index(fields=["phone_rev_key"], name="customer_phone_rev_key_idx"),
            models.Index(fields=["created_at"], name="customer_created_idx"),
            # Only archived rows: "archived IS NULL" must not pick this index.
            models.Index(
                fields=["archived_at"], name="customer_archived_idx", condition=ARCHIVED
            ),
        ]
        permissions = [
            ("archive_customer", "Can archive and restore customers"),
            ("import_customer", "Can import customers"),
            ("export_customer", "Can export customers"),
            ("merge_customer", "Can merge customers"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.pk})" if self.pk else self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The version lets an edit form notice that someone saved in between.
        if not self._state.adding:
            self.version += 1
        self.fill_keys()
        fields = kwargs.get("update_fields")
        if fields is not None and {"name", "email", "phone"} & set(fields):
            kwargs["update_fields"] = {*fields, *KEY_FIELDS}
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

    def fill_keys(self) -> None:
        """Work out the search and identity keys from name, email and phone."""
        for field, key in keys_of(self.name, self.email, self.phone).items():
            setattr(self, field, key)

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
