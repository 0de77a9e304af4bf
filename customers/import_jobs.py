"""Customer imports in the background: the upload returns at once, a worker checks.

The web pages (and the API) call four services: ``start_preview`` keeps the
uploaded file in the default storage and queues its check, ``check_again`` runs
the check again on the kept file (after a refusal, a failure or a killed worker,
or with another encoding), ``start_apply`` queues the write of a preview, and
``start_revert`` queues the undo of a large applied batch (``undoes_in_background``:
a small one is undone inside the request). The jobs run on the ``imports`` queue
of ``manage.py db_worker``.

Each job first *claims* its batch with one conditional UPDATE (queued ->
running), so a batch is never processed twice, whatever the number of workers
and however often its job was queued. While it runs, ``JobMonitor`` writes its
progress and a heartbeat every second from a thread of its own; a batch whose
heartbeat stopped was left by a killed worker (``BackgroundJob.is_stalled``):
a check left that way wrote only the batch's own rows, which the next check
replaces, and an apply or an undo writes in one transaction, so it wrote nothing
at all.
"""

from __future__ import annotations

import re
import threading
import uuid
from types import TracebackType
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import task

from customer_flow.lib.users import recorded_user
from customers.models import BatchRefused, ImportBatch

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files import File

    from customers.importing.report import ImportReport

Job, JobState, Status = ImportBatch.Job, ImportBatch.JobState, ImportBatch.Status
QUEUE = "imports"
HEARTBEAT_SECONDS = 1.0


def start_preview(
    file: File[bytes],
    *,
    user: User | None,
    skip_invalid: bool,
    file_name: str,
    encoding: str = "",
    columns: dict[str, str] | None = None,
) -> ImportBatch:
    """Keep an uploaded file and queue its check; the batch (being checked)
    says how far it got. ``file`` is streamed to the storage, never read whole."""
    upload = default_storage.save(f"imports/{uuid.uuid4().hex}.csv", file)
    mode = (
        ImportBatch.Mode.SKIP_INVALID
        if skip_invalid
        else ImportBatch.Mode.ALL_OR_NOTHING
    )
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                created_by=recorded_user(user),
                file_name=file_name[:255],
                file_size=file.size or 0,
                mode=mode,
                status=Status.CHECKING,
                upload=upload,
                encoding=encoding,
                columns=columns,
                job=Job.PREVIEW,
                job_state=JobState.QUEUED,
            )
            preview_job.enqueue(batch.pk)
    except BaseException:
        default_storage.delete(upload)
        raise
    return batch


@transaction.atomic
def check_again(batch: ImportBatch, *, encoding: str | None = None) -> None:
    """Queue the check of a batch's kept file again (with another encoding).
    Raises ``BatchRefused`` when there is nothing to check again."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not locked.can_check_again:
        raise BatchRefused(f"Import #{batch.pk} is not waiting for a new check.")
    locked.rows.all().delete()  # an interrupted check's rows: replaced
    if encoding is not None:
        locked.encoding = encoding
    _queue(locked, Job.PREVIEW, status=Status.CHECKING)
    preview_job.enqueue(locked.pk)
    batch.refresh_from_db()


@transaction.atomic
def start_apply(batch: ImportBatch, *, user: User | None, force: bool) -> None:
    """Queue the write of a preview, once its checks pass (raises
    ``BatchRefused`` and its subclasses, as ``apply_batch`` would)."""
    from customers.importing.batches import check_can_apply

    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.is_busy:
        raise BatchRefused(f"Import #{batch.pk} is already being worked on.")
    check_can_apply(locked, force=force)
    _queue(locked, Job.APPLY)
    user = recorded_user(user)
    apply_job.enqueue(locked.pk, user.pk if user else None, force)
    batch.refresh_from_db()


def undoes_in_background(batch: ImportBatch) -> bool:
    """Whether undoing ``batch`` is a background job: it wrote more customers
    than ``IMPORT_UNDO_JOB_ROWS``; a smaller one is undone at once."""
    return batch.created + batch.updated > settings.IMPORT_UNDO_JOB_ROWS


@transaction.atomic
def start_revert(batch: ImportBatch, *, user: User | None, force: bool) -> None:
    """Queue the undo of an applied batch. Raises ``BatchRefused`` while a job
    is at work on it (a second click), and ``RevertRefused`` when it cannot be
    undone now, as ``revert_import`` would (which the job calls: customers
    changed between now and then refuse it too)."""
    from customers.importing.reverting import check_conflicts, check_revert

    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.is_busy:
        doing = "undone" if locked.job == Job.REVERT else "worked on"
        raise BatchRefused(f"Import #{batch.pk} is already being {doing}.")
    check_revert(locked)
    check_conflicts(locked, force=force)
    _queue(locked, Job.REVERT)
    user = recorded_user(user)
    revert_job.enqueue(locked.pk, user.pk if user else None, force)
    batch.refresh_from_db()


def _queue(batch: ImportBatch, job: str, status: str | None = None) -> None:
    batch.job, batch.job_state, batch.failure = job, JobState.QUEUED, ""
    batch.phase, batch.rows_done, batch.rows_total = "", 0, 0
    batch.outcome = ""
    fields = [
        "job",
        "job_state",
        "failure",
        "outcome",
        "phase",
        "rows_done",
        "rows_total",
    ]
    if status is not None:
        batch.status = status
        fields += ["status", "encoding", "suggested_encoding"]
        batch.suggested_encoding = ""
    batch.save(update_fields=fields)


@task(queue_name=QUEUE)
def preview_job(batch_id: int) -> str:
    """Check a batch's file and record what it would do (the preview)."""
    batch = _claim(batch_id, Job.PREVIEW)
    if batch is None:
        return "not queued: already taken or cancelled"
    with JobMonitor(batch) as monitor:
        with default_storage.open(batch.upload, "rb") as file:
            _preview(batch, file, monitor)
    return batch.status


@task(queue_name=QUEUE)
def apply_job(batch_id: int, user_id: int | None, force: bool) -> str:
    """Write a previewed batch exactly as previewed."""
    from customers.importing import apply_batch

    batch = _claim(batch_id, Job.APPLY)
    if batch is None:
        return "not queued: already taken or cancelled"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with JobMonitor(batch) as monitor:
        try:
            apply_batch(batch=batch, user=user, force=force, progress=monitor)
        except BatchRefused as refused:
            monitor.failure = refused.message
            return "refused"
    _drop_upload(batch)
    return "applied"


@task(queue_name=QUEUE)
def revert_job(batch_id: int, user_id: int | None, force: bool) -> str:
    """Undo an applied batch, all or nothing (``revert_import``)."""
    from customers.importing.reverting import RevertRefused, revert_import

    batch = _claim(batch_id, Job.REVERT)
    if batch is None:
        return "not queued: already taken or cancelled"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with JobMonitor(batch) as monitor:
        # One transaction that locks the batch: its progress cannot be written
        # from the monitor's connection until it ends, so the phase shows first.
        monitor.show("undoing", 0, 0)
        try:
            report = revert_import(batch=batch, user=user, force=force)
        except RevertRefused as refused:
            monitor.failure = refused.message
            return "refused"
        monitor.outcome = report.summary()
    return "reverted"


def _claim(batch_id: int, job: str) -> ImportBatch | None:
    now = timezone.now()
    claimed = ImportBatch.objects.filter(
        pk=batch_id, job=job, job_state=JobState.QUEUED
    ).update(
        job_state=JobState.RUNNING,
        phase="",
        rows_done=0,
        rows_total=0,
        phase_started_at=now,
        heartbeat_at=now,
    )
    return ImportBatch.objects.get(pk=batch_id) if claimed else None


def _preview(batch: ImportBatch, file: IO[bytes], monitor: JobMonitor) -> None:
    from customers.importing import check_file, record_batch

    report = check_file(
        file,
        skip_invalid=batch.mode == ImportBatch.Mode.SKIP_INVALID,
        encoding=batch.encoding or None,
        file_name=batch.file_name,
        progress=monitor,
        columns=batch.columns,
    )
    if report.fatal:
        _refuse(batch, report)
        return
    # The batch page says it (with the counts) when the file was applied
    # before, as it is then, not as it was at the check.
    report.warnings = [w for w in report.warnings if "already imported" not in w]
    record_batch(report, user=None, list_unchanged=True, batch=batch, progress=monitor)


_ENCODING_ADVICE = re.compile(
    r"use --encoding (with the file's encoding, for example )?(?P<name>[\w-]+)"
)


def _refuse(batch: ImportBatch, report: ImportReport) -> None:
    """A file refused as a whole: say why, in words for a browser (the
    command's ``--encoding`` advice becomes the encoding picked for a retry)."""
    messages = [str(error) for error in report.errors]
    suggested = ""
    for message in messages:
        match = _ENCODING_ADVICE.search(message)
        if match:
            suggested = match.group("name")
    batch.status = Status.REFUSED
    batch.sha256 = report.sha256
    batch.failure = "\n".join(
        _ENCODING_ADVICE.sub("pick its encoding below and check it again", message)
        for message in messages
    )
    batch.suggested_encoding = suggested
    # Headers that do not name the fields: kept for the mapping step.
    batch.header = report.header if report.column_suggestion is not None else []
    batch.save(
        update_fields=["status", "sha256", "failure", "suggested_encoding", "header"]
    )


def _drop_upload(batch: ImportBatch) -> None:
    if batch.upload:
        default_storage.delete(batch.upload)
        ImportBatch.objects.filter(pk=batch.pk).update(upload="")


def discard(batch: ImportBatch) -> None:
    """Discard a preview (or a refused or failed check) and its kept file."""
    batch.discard()
    _drop_upload(batch)


class JobMonitor:
    """The ``progress(phase, done, total)`` of a job, written to its batch with
    a heartbeat every second from a thread with its own database connection
    (so that it shows while the job is inside a transaction), and the job's
    end: done (with its ``outcome``), or failed with ``failure`` (or the
    exception) as the reason."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch_id = batch.pk
        self.phase, self.done, self.total = "", 0, 0
        self.phase_started_at = timezone.now()
        self.failure = self.outcome = ""
        self.stop, self.changed = threading.Event(), threading.Event()
        # Inside a transaction (the immediate backend in tests) another
        # connection could not see the batch: write at the end only.
        self.thread: threading.Thread | None = None
        if not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._beat, daemon=True)

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.done, self.total = done, total
        if phase != self.phase:
            self.phase, self.phase_started_at = phase, timezone.now()
            # A new phase shows at once (a long one, such as the write, may
            # keep the heartbeat from the database until it ends). Written by
            # the thread: this connection may be in the middle of a COPY.
            self.changed.set()

    def show(self, phase: str, done: int, total: int) -> None:
        """Progress written at once, from the job's own connection (which must
        not be in a transaction that the page cannot see)."""
        self(phase, done, total)
        self._write()

    def _write(self) -> None:
        try:
            ImportBatch.objects.filter(
                pk=self.batch_id, job_state=JobState.RUNNING
            ).update(**self._progress())
        except DatabaseError:  # SQLite: the job holds the write lock
            pass

    def __enter__(self) -> JobMonitor:
        if self.thread is not None:
            self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop.set()
        self.changed.set()
        if self.thread is not None:
            self.thread.join()
        if error is not None:
            self.failure = f"The job stopped with an error ({kind.__name__})."  # type: ignore[union-attr]
        end: dict[str, object] = {"job_state": JobState.DONE, "outcome": self.outcome}
        if self.failure:
            end = {"job_state": JobState.FAILED, "failure": self.failure}
        ImportBatch.objects.filter(pk=self.batch_id).update(**end, **self._progress())

    def _progress(self) -> dict[str, object]:
        return {
            "phase": self.phase,
            "rows_done": self.done,
            "rows_total": self.total,
            "phase_started_at": self.phase_started_at,
            "heartbeat_at": timezone.now(),
        }

    def _beat(self) -> None:
        try:
            while not self.stop.is_set():
                self.changed.wait(HEARTBEAT_SECONDS)
                self.changed.clear()
                self._write()
        finally:
            close_old_connections()
            connection.close()
