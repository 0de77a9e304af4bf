"""The background job working on an import batch: its state and its progress.

An ``ImportBatch`` is checked (previewed), applied and (when large) undone by
background jobs (``customers.import_jobs``). While one runs it writes its phase,
how many rows it has done of how many, and a heartbeat every second, from a
thread with its own database connection, so that the batch page can show the
progress live and can tell a job still running from one whose worker was killed.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

PHASE_LABELS = {
    "waiting": "Waiting for a worker",
    "reading": "Reading the file",
    "validating": "Checking the values",
    "matching": "Comparing with the customers",
    "recording": "Saving the preview",
    "staging": "Preparing the write",
    "writing": "Writing the customers",
    "undoing": "Undoing the import (all at once)",
}


class BackgroundJob(models.Model):
    """Fields and figures of the job working on a batch (abstract)."""

    class Job(models.TextChoices):
        PREVIEW = "preview", "Check"
        APPLY = "apply", "Apply"
        REVERT = "revert", "Undo"

    class JobState(models.TextChoices):
        IDLE = "", "No job"
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    upload = models.CharField(
        max_length=255,
        blank=True,
        help_text="The uploaded file in the default storage, kept until the batch "
        "is applied or discarded so that a check can be run again.",
    )
    encoding = models.CharField(
        max_length=20, blank=True, help_text="Empty: UTF-8 or UTF-16 with a BOM."
    )
    job = models.CharField(max_length=10, choices=Job, blank=True)
    job_state = models.CharField(max_length=10, choices=JobState, blank=True)
    phase = models.CharField(max_length=20, blank=True)
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(default=0)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Written every second by a running job: an old one means its "
        "worker was stopped.",
    )
    failure = models.TextField(
        blank=True, help_text="Why the last job stopped or refused the file."
    )
    suggested_encoding = models.CharField(max_length=20, blank=True)
    outcome = models.TextField(
        blank=True, help_text="What the last job did, in one line (an undo's summary)."
    )

    class Meta:
        abstract = True

    @property
    def is_busy(self) -> bool:
        """A job is waiting for a worker or running (and its worker is alive)."""
        if self.job_state == self.JobState.QUEUED:
            return True
        return self.job_state == self.JobState.RUNNING and not self.is_stalled

    @property
    def is_stalled(self) -> bool:
        """A job claimed by a worker that stopped writing its heartbeat."""
        if self.job_state != self.JobState.RUNNING:
            return False
        beat = self.heartbeat_at or self.phase_started_at
        limit = timedelta(seconds=settings.IMPORT_JOB_STALLED_AFTER)
        return beat is None or timezone.now() - beat > limit

    @property
    def job_failed(self) -> bool:
        return self.job_state == self.JobState.FAILED or self.is_stalled

    @property
    def phase_label(self) -> str:
        if self.job_state == self.JobState.QUEUED:
            return PHASE_LABELS["waiting"]
        return PHASE_LABELS.get(self.phase, self.phase.capitalize() or "Starting")

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, self.rows_done * 100 // self.rows_total)

    @property
    def rate(self) -> float | None:
        """Rows a second in the current phase."""
        if not (self.phase_started_at and self.heartbeat_at and self.rows_done):
            return None
        seconds = (self.heartbeat_at - self.phase_started_at).total_seconds()
        return self.rows_done / seconds if seconds > 0 else None

    @property
    def seconds_left(self) -> int | None:
        """The current phase's time left at its rate so far."""
        rate = self.rate
        if rate is None or not self.rows_total:
            return None
        return max(0, round((self.rows_total - self.rows_done) / rate))

    @property
    def time_left(self) -> str:
        """``seconds_left`` in words: "40 s", "3 min", "1 h 5 min"."""
        seconds = self.seconds_left or 0
        if seconds < 60:
            return f"{seconds} s"
        minutes = round(seconds / 60)
        if minutes < 60:
            return f"{minutes} min"
        return f"{minutes // 60} h {minutes % 60} min"
