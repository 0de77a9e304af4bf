"""The documented deployment (gunicorn with customer_flow/gunicorn_conf.py), for real.

Security review: three connections sending a body at 1 byte/s blocked all three
sync workers and /healthz waited 13 s; a 100 MB file part from an anonymous client
was written to disk before the CSRF check refused it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import urllib.request

import pytest
from django.conf import settings
from django.test import Client

# Each test starts a real gunicorn (and collects the static files first).
pytestmark = pytest.mark.slow

SLOW_CLIENTS = 10


@pytest.fixture
def server(gunicorn) -> tuple[str, int]:
    """gunicorn as docs/deployment.md runs it, with three workers as in the review."""
    [base] = gunicorn(workers=3)
    return base, int(base.rsplit(":", 1)[1])


def _slow_clients(port: int, count: int) -> list[socket.socket]:
    """Clients that announced a 10,000-byte form and send it at 1 byte per
    second, as in the review."""
    clients = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(
            b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Cookie: csrftoken=" + b"x" * 32 + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 10000\r\n\r\n"
        )
        clients.append(sock)
    return clients


def _trickle(clients: list[socket.socket], stop: threading.Event) -> None:
    while not stop.wait(1):
        for sock in clients:
            with contextlib.suppress(OSError):  # seen by _still_sending
                sock.sendall(b"a")


def _still_sending(sock: socket.socket) -> bool:
    """The server neither answered nor closed this connection: it still waits
    for the rest of the body."""
    try:
        sock.recv(1, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def _get(url: str, session: str | None = None) -> int:
    request = urllib.request.Request(url)
    if session:
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={session}")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def test_ten_slow_clients_do_not_stop_the_service(server, agent):
    """Ten slow clients outnumber the three workers: with a worker a
    connection, the other requests waited until one was cut off (/healthz took
    13 s). They are served while every slow client is still connected and
    sending, which proves it without timing anything on a loaded machine."""
    base, port = server
    client = Client()
    client.force_login(agent)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    slow = _slow_clients(port, SLOW_CLIENTS)
    stop = threading.Event()
    trickle = threading.Thread(target=_trickle, args=(slow, stop), daemon=True)
    trickle.start()
    try:
        time.sleep(3)  # every slow client is connected and trickling
        assert all(map(_still_sending, slow))
        for _ in range(3):
            assert _get(f"{base}/healthz") == 200
            assert _get(f"{base}/customers/", session) == 200
        assert all(map(_still_sending, slow))
    finally:
        stop.set()
        trickle.join()
        for sock in slow:
            sock.close()


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
