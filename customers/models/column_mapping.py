"""Remembered column mappings: which header cell of a file from another system
holds each customer field, kept for the next file with the same headers."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ColumnMapping(models.Model):
    signature = models.CharField(
        max_length=64,
        unique=True,
        help_text="SHA-256 of the file's header cells, trimmed, composed (NFC) and "
        "ignoring case: files with the same headers share a mapping.",
    )
    header = models.JSONField(help_text="The header cells of the file it was made for.")
    columns = models.JSONField(
        help_text='Which header cell holds each field: {"id": "Customer ID", ...}.'
    )
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return ", ".join(f"{key}={cell}" for key, cell in self.columns.items())
