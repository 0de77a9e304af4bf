"""Imports checked and applied by real worker processes (customers/import_jobs.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from customer_flow.serving import worker_command
from customers import import_jobs
from customers.models import BatchRefused, Customer, ImportBatch
from tests.databases import database_url

# The worker is another process: the data must be committed.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("support_groups", "shared_media"),
]

HEADER = "ID,Name,Email,Phone\n"


@pytest.fixture
def shared_media(settings, monkeypatch, tmp_path: Path) -> Path:
    """The web process and the workers keep uploads in the same directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    return settings.MEDIA_ROOT


def big_file(rows: int) -> bytes:
    lines = [
        f"{i},Customer {i},c{i}@example.com,555 {i:07d}\n" for i in range(1, rows + 1)
    ]
    return (HEADER + "".join(lines)).encode()


def start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        worker_command("--queue-name", "imports"),
        env={**os.environ, "DATABASE_URL": database_url()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(batch: ImportBatch, condition, timeout: float = 120) -> ImportBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if condition(batch):
            return batch
        time.sleep(0.05)
    raise AssertionError(f"batch never got there: {batch.status} {batch.job_state}")


def test_an_upload_returns_at_once_and_a_worker_previews_applies_and_undo_works(
    client, lead, make_customer, run_tasks
):
    make_customer(id=1, name="Ada", email="ada@example.com")
    client.force_login(lead)
    text = HEADER + "1,Ada Lovelace,ada@example.com,\n,Cy,cy@example.com,\n"
    response = client.post(
        reverse("customers:import"),
        {"mode": "all_or_nothing", "file": ContentFile(text.encode(), name="id.csv")},
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.job_state) == ("checking", "queued")
    assert "Waiting for a worker" in client.get(response.url).text

    run_tasks()

    batch.refresh_from_db()
    assert (batch.status, batch.job_state) == ("previewed", "done")
    assert (batch.created, batch.updated, batch.created_by) == (1, 1, lead)
    assert "Apply this import?" in client.get(response.url).text

    client.post(reverse("customers:batch_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.job_state) == ("previewed", "queued")
    assert Customer.objects.get(pk=1).name == "Ada"  # not by the request

    run_tasks()

    batch.refresh_from_db()
    assert (batch.status, batch.applied_by, batch.upload) == ("applied", lead, "")
    assert Customer.objects.get(pk=1).name == "Ada Lovelace"
    client.post(reverse("customers:batch_revert", args=[batch.pk]))
    assert Customer.objects.get(pk=1).name == "Ada"
    assert not Customer.objects.filter(email="cy@example.com").exists()


@pytest.mark.parametrize("phase", ["reading", "recording"])
def test_a_worker_killed_while_checking_leaves_a_batch_to_check_again(
    client, lead, settings, run_tasks, phase
):
    client.force_login(lead)
    batch = import_jobs.start_preview(
        ContentFile(big_file(150_000)),
        user=lead,
        skip_invalid=False,
        file_name="id.csv",
    )
    worker = start_worker()
    # (While recording: once some of its rows are stored, on SQLite, which
    # stores them 50,000 at a time; PostgreSQL stores them in one COPY.)
    wait_for(batch, lambda b: b.phase == phase)
    if phase == "recording":
        wait_for(batch, lambda b: b.status == "previewed" or b.rows.exists())
    worker.send_signal(signal.SIGKILL)
    worker.wait()

    batch.refresh_from_db()
    if batch.status == "previewed":  # the kill came after the check ended
        assert batch.rows.count() == 150_000
        return
    assert batch.status in ("checking", "recording")
    settings.IMPORT_JOB_STALLED_AFTER = 0
    page = client.get(batch.get_absolute_url()).text
    assert "The worker checking this file stopped before it finished" in page
    assert "Apply this import?" not in page
    client.post(reverse("customers:batch_check_again", args=[batch.pk]))
    run_tasks()

    batch.refresh_from_db()
    assert (batch.status, batch.created) == ("previewed", 150_000)
    assert batch.rows.count() == 150_000  # the killed check's rows replaced
    assert not Customer.objects.exists()


def test_a_worker_killed_while_applying_writes_all_or_nothing_and_can_apply_again(
    client, lead, settings, run_tasks
):
    client.force_login(lead)
    batch = import_jobs.start_preview(
        ContentFile(big_file(150_000)),
        user=lead,
        skip_invalid=False,
        file_name="id.csv",
    )
    run_tasks()
    import_jobs.start_apply(batch, user=lead, force=False)
    worker = start_worker()
    wait_for(
        batch, lambda b: b.phase in ("staging", "writing") or b.job_state == "done"
    )
    worker.send_signal(signal.SIGKILL)
    worker.wait()

    batch.refresh_from_db()
    written = Customer.objects.count()
    if batch.status == "applied":  # the kill came after the commit
        assert written == 150_000
        return
    assert (batch.status, written) == ("previewed", 0)
    settings.IMPORT_JOB_STALLED_AFTER = 0
    page = client.get(batch.get_absolute_url()).text
    assert "The worker applying this import stopped before it finished" in page
    assert "Nothing was written" in page

    client.post(reverse("customers:batch_apply", args=[batch.pk]))
    run_tasks()
    batch.refresh_from_db()
    assert (batch.status, Customer.objects.count()) == ("applied", 150_000)


def test_a_batch_queued_twice_is_checked_once(lead, run_tasks):
    batch = import_jobs.start_preview(
        ContentFile(big_file(10)), user=lead, skip_invalid=False, file_name="id.csv"
    )
    import_jobs.preview_job.enqueue(batch.pk)  # a second job for the same batch
    run_tasks()

    results = sorted(r.return_value for r in DBTaskResult.objects.all())
    assert results == ["not queued: already taken or cancelled", "previewed"]
    assert batch.rows.count() == 10


def test_two_workers_on_one_queue_never_process_a_batch_twice(lead):
    # On PostgreSQL as across machines; on SQLite the two share the file.
    batches = [
        import_jobs.start_preview(
            ContentFile(big_file(20_000)),
            user=lead,
            skip_invalid=False,
            file_name=f"part-{n}.csv",
        )
        for n in range(6)
    ]
    for batch in batches:  # and each queued a second time (a double click)
        import_jobs.preview_job.enqueue(batch.pk)
    env = {**os.environ, "DATABASE_URL": database_url()}
    workers = [
        subprocess.Popen(
            worker_command("--queue-name", "imports", batch=True),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    assert [worker.wait(timeout=600) for worker in workers] == [0, 0]

    done = DBTaskResult.objects.filter(return_value="previewed")
    assert done.count() == 6
    assert len({result.worker_ids[0] for result in done}) == 2  # both worked
    skipped = DBTaskResult.objects.exclude(return_value="previewed")
    assert skipped.count() == 6
    for batch in batches:
        batch.refresh_from_db()
        assert (batch.status, batch.created) == ("previewed", 20_000)
        assert batch.rows.count() == 20_000


# Undo ----------------------------------------------------------------------------


def applied(lead, run_tasks, content: bytes) -> ImportBatch:
    batch = import_jobs.start_preview(
        ContentFile(content), user=lead, skip_invalid=False, file_name="id.csv"
    )
    run_tasks()
    import_jobs.start_apply(batch, user=lead, force=False)
    run_tasks()
    batch.refresh_from_db()
    assert batch.status == "applied"
    return batch


def test_a_large_undo_is_a_job_the_batch_page_follows_to_the_restored_data(
    client, lead, make_customer, settings, run_tasks
):
    settings.IMPORT_UNDO_JOB_ROWS = 1  # two rows: a large batch here
    make_customer(id=1, name="Ada", email="ada@example.com")
    batch = applied(
        lead,
        run_tasks,
        (HEADER + "1,Ada Lovelace,ada@example.com,\n,Cy,cy@example.com,\n").encode(),
    )
    client.force_login(lead)
    url = reverse("customers:batch_revert", args=[batch.pk])
    assert "Undo import" in client.get(url).text

    response = client.post(url)
    assert response.status_code == 302 and response.url == batch.get_absolute_url()
    batch.refresh_from_db()
    assert (batch.status, batch.job, batch.job_state) == ("applied", "revert", "queued")
    assert Customer.objects.get(pk=1).name == "Ada Lovelace"  # not by the request
    page = client.get(batch.get_absolute_url()).text
    assert "is being undone: 1 created to remove, 1 changed to restore" in page
    assert "Undoing…" in page and "Undoing this import" in page
    assert "Undo this import</a>" not in page

    # A second click, an apply, or the confirmation page: refused, nothing queued.
    again = client.post(url, follow=True)
    assert f"Import #{batch.pk} is already being undone." in again.text
    assert client.get(url).status_code == 409
    with pytest.raises(BatchRefused, match="already being"):
        import_jobs.start_apply(batch, user=lead, force=True)
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # the first

    run_tasks()

    batch.refresh_from_db()
    assert (batch.status, batch.job_state, batch.reverted_by) == (
        "reverted",
        "done",
        lead,
    )
    assert Customer.objects.get(pk=1).name == "Ada"
    assert not Customer.objects.filter(email="cy@example.com").exists()
    page = client.get(batch.get_absolute_url()).text
    assert f"Import #{batch.pk} reverted: 1 created customers removed" in page
    assert "Reverted" in page and "Undoing" not in page
    assert "was already reverted" in client.post(url).text


def test_an_undo_job_refused_by_later_changes_names_them_and_can_be_forced(
    client, lead, make_customer, settings, run_tasks
):
    settings.IMPORT_UNDO_JOB_ROWS = 0
    make_customer(id=1, name="Ada", email="ada@example.com")
    batch = applied(
        lead, run_tasks, (HEADER + "1,Ada Lovelace,ada@example.com,\n").encode()
    )
    client.force_login(lead)
    url = reverse("customers:batch_revert", args=[batch.pk])
    client.post(url)
    # Edited after the confirmation, before the worker: the job finds it.
    ada = Customer.objects.get(pk=1)
    ada.name = "Ada King"
    ada.save()

    run_tasks()
    batch.refresh_from_db()
    assert (batch.status, batch.job_state) == ("applied", "failed")
    message = "1 customer was changed after it: #1 Ada King. Nothing was changed."
    assert message in batch.failure
    page = client.get(batch.get_absolute_url()).text
    assert "This import was not undone" in page and message in page

    # The confirmation page shows the refusal as an undo in the request does.
    confirm = client.get(url).text
    assert message in confirm and 'name="force"' in confirm
    assert ">#1 Ada King</a>" in confirm
    # Changed again now: refused at once, as in the request, with the box.
    refused = client.post(url)
    assert refused.status_code == 409 and 'name="force"' in refused.text
    assert message in refused.text

    client.post(url, {"force": "on"})
    run_tasks()
    batch.refresh_from_db()
    assert (batch.status, batch.job_state) == ("reverted", "done")
    assert Customer.objects.get(pk=1).name == "Ada"
    assert "later changes to 1 customer overwritten" in batch.outcome


def test_an_undo_queued_twice_is_done_once(lead, make_customer, settings, run_tasks):
    batch = applied(lead, run_tasks, big_file(10))
    import_jobs.start_revert(batch, user=lead, force=False)
    import_jobs.revert_job.enqueue(batch.pk, lead.pk, False)  # a second job
    run_tasks()

    results = sorted(
        r.return_value
        for r in DBTaskResult.objects.filter(task_path__endswith="revert_job")
    )
    assert results == ["not queued: already taken or cancelled", "reverted"]
    assert not Customer.objects.exists()


def test_a_worker_killed_while_undoing_changes_nothing_and_can_undo_again(
    client, lead, settings, run_tasks
):
    client.force_login(lead)
    batch = applied(lead, run_tasks, big_file(150_000))
    history = Customer.history.count()
    client.post(reverse("customers:batch_revert", args=[batch.pk]))
    worker = start_worker()
    wait_for(batch, lambda b: b.phase == "undoing" or b.job_state == "done")
    time.sleep(0.5)  # into the undo's transaction
    worker.send_signal(signal.SIGKILL)
    worker.wait()

    batch.refresh_from_db()
    if batch.status == "reverted":  # the kill came after the commit
        assert not Customer.objects.exists()
        return
    assert batch.status == "applied"
    assert Customer.objects.count() == 150_000  # all or nothing
    assert Customer.history.count() == history
    settings.IMPORT_JOB_STALLED_AFTER = 0
    page = client.get(batch.get_absolute_url()).text
    assert "The worker undoing this import stopped before it finished" in page
    assert "Nothing was changed" in page

    client.post(reverse("customers:batch_revert", args=[batch.pk]))
    run_tasks()
    batch.refresh_from_db()
    assert (batch.status, Customer.objects.count()) == ("reverted", 0)
