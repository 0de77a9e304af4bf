"""Background jobs run in real worker processes beside the server (`make run`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.databases import database_url
from tests.jobs import echo


def _wait_for(result_id: str, timeout: float = 60) -> DBTaskResult:
    deadline = time.monotonic() + timeout
    while True:
        row = DBTaskResult.objects.get(pk=result_id)
        if row.status in {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED}:
            return row
        assert time.monotonic() < deadline, f"job still {row.status}"
        time.sleep(0.2)


def _workers_of(database: str) -> list[int]:
    """PIDs of db_worker processes started for this test database."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"db_worker" in cmdline and database.encode() in environ:
            pids.append(int(proc.name))
    return pids


def test_a_worker_process_runs_an_enqueued_job(run_tasks):
    result = echo.enqueue("hello")

    run_tasks()

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.task_result.return_value == "HELLO"


def test_the_workers_of_make_run_pick_up_jobs(task_workers):
    result = echo.enqueue("from the queue")

    assert _wait_for(result.id).task_result.return_value == "FROM THE QUEUE"


@pytest.mark.slow
def test_serve_starts_the_workers_with_the_server_and_stops_them(transactional_db):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = database_url()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}", "--noreload"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        result = echo.enqueue("served")
        assert _wait_for(result.id).task_result.return_value == "SERVED"
        assert len(_workers_of(url)) == 2
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        server.wait(timeout=30)
    deadline = time.monotonic() + 20
    while _workers_of(url) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _workers_of(url) == []
