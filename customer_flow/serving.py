"""Serve the app and its background workers as one command (`make run`).

The web server and the workers are separate processes that share only the
database, exactly as in production; this module just starts them together and
stops the workers when the server stops.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

# One worker for long imports, one for everything else (email, notifications), so
# that a ten-minute import never holds up a reply to a customer.
WORKER_QUEUES = (
    ("--queue-name", "imports"),
    ("--queue-name", "*", "--exclude-queues", "imports"),
)


def worker_command(*queue_args: str, batch: bool = False) -> list[str]:
    """The command line of one `db_worker` process of this project."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "db_worker"]
    # No autoreload: a reloading worker is two processes, and terminating the
    # parent would leave the child running.
    command += [*queue_args, "--no-startup-delay", "--no-reload"]
    if batch:
        command += ["--batch", "--interval", "0"]
    return command


@contextmanager
def running_workers(
    env: dict[str, str] | None = None,
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start the background workers; terminate them on leaving the block."""
    workers = [
        subprocess.Popen(worker_command(*queue), cwd=settings.BASE_DIR, env=env)
        for queue in WORKER_QUEUES
    ]
    try:
        yield workers
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()


def serve(addrport: str, *, use_reloader: bool = True) -> None:
    """Run the development server with the background workers beside it."""
    if os.environ.get("RUN_MAIN") == "true":
        # The reloader's child process: the parent already started the workers.
        call_command("runserver", addrport, use_reloader=use_reloader)
        return
    with running_workers():
        call_command("runserver", addrport, use_reloader=use_reloader)


def mail_destination() -> str:
    """Where outgoing email goes, in one sentence for the person running the app."""
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return (
            f"Outgoing email (replies, notifications) is written as files into "
            f"{settings.EMAIL_FILE_PATH}/, not sent: set EMAIL_URL to send it."
        )
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        return "Outgoing email is printed by the workers, not sent."
    return f"Outgoing email goes to {settings.EMAIL_HOST}:{settings.EMAIL_PORT}."
