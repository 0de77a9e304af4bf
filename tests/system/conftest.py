"""gunicorn as docs/deployment.md runs it, for the system tests that need the
real server (tests/system/test_deployment.py, test_scale_out.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings

from tests.databases import database_url

StartServers = Callable[..., list[str]]


@pytest.fixture
def gunicorn(transactional_db, tmp_path) -> Iterator[StartServers]:
    """``gunicorn(servers=1, workers=1)``: start that many gunicorn servers on
    the test database, each with its own port, and give their base URLs once
    every one answers /healthz; all are stopped after the test. Their TMPDIR is
    ``tmp_path``."""
    processes: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECURE_HTTPS": "false",
        "SECRET_KEY": "gunicorn-test-secret-key-shared-by-every-server-" + "x" * 20,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "GUNICORN_ACCESSLOG": "",
        "TMPDIR": str(tmp_path),
    }

    def start(servers: int = 1, workers: int = 1) -> list[str]:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )
        bases = [f"http://127.0.0.1:{_free_port()}" for _ in range(servers)]
        for base in bases:
            processes.append(
                subprocess.Popen(
                    [
                        *(sys.executable, "-m", "gunicorn"),
                        *("-c", "python:customer_flow.gunicorn_conf"),
                        *("-b", base.removeprefix("http://"), "customer_flow.wsgi"),
                    ],
                    cwd=settings.BASE_DIR,
                    env={**env, "WEB_CONCURRENCY": str(workers)},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for base in bases:
            _wait_until_healthy(base)
        return bases

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # refused, reset or timed out while the server starts
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
