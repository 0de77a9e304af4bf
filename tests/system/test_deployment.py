"""The documented deployment (gunicorn with customer_flow/gunicorn_conf.py), for real.

Security review: three connections sending a body at 1 byte/s blocked all three
sync workers and /healthz waited 13 s; a 100 MB file part from an anonymous client
was written to disk before the CSRF check refused it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client

from tests.databases import database_url

# Each test starts a real gunicorn (and collects the static files first).
pytestmark = pytest.mark.slow

SLOW_CLIENTS = 10


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
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def server(transactional_db, tmp_path) -> Iterator[tuple[str, int]]:
    """gunicorn as docs/deployment.md runs it, with three workers as in the review."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECURE_HTTPS": "false",
        "SECRET_KEY": "deployment-test-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "WEB_CONCURRENCY": "3",
        "GUNICORN_ACCESSLOG": "",
        "TMPDIR": str(tmp_path),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:customer_flow.gunicorn_conf",
            "-b",
            f"127.0.0.1:{port}",
            "customer_flow.wsgi",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}", port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _slow_post(port: int, stop: threading.Event) -> None:
    """A client posting a form at 1 byte per second, as in the review."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Cookie: csrftoken=" + b"x" * 32 + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 10000\r\n\r\n"
        )
        while not stop.wait(1):
            try:
                sock.sendall(b"a")
            except OSError:
                return


def _timed_get(url: str, session: str | None = None) -> tuple[int, float]:
    request = urllib.request.Request(url)
    if session:
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={session}")
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        return response.status, time.monotonic() - started


def test_ten_slow_clients_do_not_stop_the_service(server, agent):
    base, port = server
    client = Client()
    client.force_login(agent)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    stop = threading.Event()
    slow = [
        threading.Thread(target=_slow_post, args=(port, stop), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in slow:
        thread.start()
    try:
        time.sleep(3)  # every slow client is connected and trickling
        for _ in range(3):
            status, seconds = _timed_get(f"{base}/healthz")
            assert status == 200
            assert seconds < 1, f"/healthz took {seconds:.1f} s"
            status, seconds = _timed_get(f"{base}/customers/", session)
            assert status == 200
            assert seconds < 1, f"/customers/ took {seconds:.1f} s"
    finally:
        stop.set()


def test_an_oversized_body_is_refused_after_reading_only_the_headers(server, tmp_path):
    _, port = server
    before = sorted(os.listdir(tmp_path))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Cookie: csrftoken=" + b"x" * 32 + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 104857600\r\n\r\n"
            b'--b\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n'
        )
        sock.sendall(b"x" * 65536)  # of the 100 MB announced
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sorted(os.listdir(tmp_path)) == before  # nothing written to TMPDIR
