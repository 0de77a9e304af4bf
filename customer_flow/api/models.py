"""API tokens: django-rest-knox's hashed token, with a name the user chose."""

from __future__ import annotations

from django.db import models
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    """One API token of a user. Only its SHA-512 digest is stored (the token
    itself is shown once, when created); revoking deletes the row."""

    name: models.CharField[str, str] = models.CharField(
        max_length=100, help_text="What the token is for, e.g. “Shop sync”."
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"
