"""A merge of customers: what it changed, so that it can be undone."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class CustomerMerge(models.Model):
    """Two or more customers merged into one survivor.

    ``before`` holds every record's values and state before the merge, ``after``
    the versions the merge left (an undo refuses, or overrides, later edits) and
    ``moved`` which rows pointing at a customer moved to the survivor, per
    relation and per merged customer, so that the undo moves exactly those back.
    """

    survivor = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+"
    )
    merged_ids = models.JSONField(help_text="The IDs of the customers merged in.")
    before = models.JSONField(help_text="Each record's values before the merge.")
    after = models.JSONField(help_text="Each record's version after the merge.")
    moved = models.JSONField(
        default=dict,
        help_text="Per relation (app.model.field), per merged customer: the IDs "
        "of the rows moved to the survivor.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "customer merge"

    def __str__(self) -> str:
        merged = ", ".join(f"#{pk}" for pk in self.merged_ids)
        return f"Merge of {merged} into #{self.survivor_id}"

    def get_absolute_url(self) -> str:
        return reverse("customers:merge_undo", args=[self.pk])

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None

    def moved_count(self) -> int:
        return sum(
            len(rows) for relation in self.moved.values() for rows in relation.values()
        )
