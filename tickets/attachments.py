"""Files carried by replies, notes and inbound mail, kept through Django's
storage API (local MEDIA_ROOT by default, S3-compatible via django-storages)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.urls import reverse
from django.utils import timezone

from customer_flow.lib.filenames import safe_filename
from customer_flow.lib.sniffing import sniff

if TYPE_CHECKING:
    from customers.models import Customer
    from tickets.models import TicketComment


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never the sender's name on disk: a random name under the month.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class AttachmentQuerySet(models.QuerySet):
    def for_customer(self, customer: Customer) -> AttachmentQuerySet:
        return self.filter(comment__ticket__customer=customer)


class Attachment(models.Model):
    comment = models.ForeignKey(
        "tickets.TicketComment", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=150, help_text="Sanitised original name.")
    content_type = models.CharField(
        max_length=100, help_text="Judged from the file's bytes, not its name."
    )
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("tickets:attachment", args=[self.pk])


class StoredFiles:
    """Files written to storage during a transaction, removed if it fails."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def add(self, comment: TicketComment, filename: str, data: bytes) -> Attachment:
        """Store ``data`` for ``comment`` and return its (saved) attachment."""
        name = safe_filename(filename)
        attachment = Attachment(
            comment=comment,
            filename=name,
            content_type=sniff(data, name),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        attachment.file.save(name, ContentFile(data), save=False)
        self.names.append(attachment.file.name)
        attachment.save()
        return attachment

    def remove_all(self) -> None:
        for name in self.names:
            default_storage.delete(name)


@contextmanager
def stored_files() -> Iterator[StoredFiles]:
    """Use inside ``transaction.atomic``: on an error the files go too, so a
    failed message leaves neither rows nor files behind."""
    files = StoredFiles()
    try:
        yield files
    except BaseException:
        files.remove_all()
        raise
