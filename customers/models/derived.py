"""Tables the database keeps in step with the customers (``customers.derived_tables``):
every distinct folded name, for search inside words, and the groups of likely
duplicates, for the duplicates page. No Python code writes them."""

from __future__ import annotations

from django.db import models

from customer_flow.lib.key_fields import KeyField


class CustomerName(models.Model):
    """A folded name (``Customer.name_key``) that some customer has, or had:
    names are never removed, a stale one only matches no customer."""

    name_key = KeyField(max_length=400, unique=True)

    class Meta:
        ordering = ["name_key"]

    def __str__(self) -> str:
        return self.name_key


class DuplicateGroup(models.Model):
    """Two or more active customers with the same phone digits, or with the same
    folded name and email local part."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Same phone digits"
        NAME = "name", "Same name and email name"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    value = KeyField(
        max_length=400,
        help_text="The phone digits, or the folded name, a space and the email's "
        "local part.",
    )
    size = models.PositiveIntegerField(help_text="Active customers in the group.")

    class Meta:
        ordering = ["-size", "kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value"], name="duplicate_group_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["-size", "kind", "value"], name="duplicate_group_size_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value} ({self.size})"
