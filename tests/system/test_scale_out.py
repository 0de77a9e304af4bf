"""Two server processes sharing one database behave as one application."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.conf import settings

from customers.models import Customer
from tests.databases import database_url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECURE_HTTPS": "false",
        "SECRET_KEY": "shared-secret-key-for-both-servers-" + "x" * 30,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESSLOG": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
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
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for port in ports:
            _wait_until_healthy(f"http://127.0.0.1:{port}")
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


def _wait_until_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # refused, reset or timed out while the server starts
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class Browser:
    """Just enough of a browser: one cookie jar shared across both servers."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies)
        )

    def get(self, url: str) -> str:
        with self.opener.open(url, timeout=10) as response:
            return response.read().decode()

    def post_form(self, url: str, fields: dict[str, str]) -> str:
        page = self.get(url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields})
        request = urllib.request.Request(
            url, data=data.encode(), headers={"Referer": url}
        )
        with self.opener.open(request, timeout=10) as response:
            return response.read().decode()


@pytest.mark.slow
def test_a_session_and_a_write_made_on_one_server_are_seen_by_the_other(
    two_servers, admin_user
):
    first, second = two_servers
    browser = Browser()
    browser.post_form(f"{first}/login/", {"username": "admin", "password": "password"})

    # Signed in on the first server, the second recognises the session.
    assert "Site administration" in browser.get(f"{second}/admin/")

    browser.post_form(
        f"{second}/admin/customers/customer/add/",
        {"name": "Shared Ada", "email": "ada@example.com", "phone": ""},
    )
    assert "Shared Ada" in browser.get(f"{first}/admin/customers/customer/")
    assert Customer.objects.get().history.get().history_user == admin_user
