"""Time from a web upload to a ready preview, with a worker running (`make bench`).

    python bench/web_import.py [--rows N] [--database-url URL]

Generates N synthetic rows (default 1,000,000), starts one import worker
(``db_worker --queue-name imports``, as ``make run`` does) against a throwaway
database (a SQLite file in a temporary directory, or a new ``<name>_webbench``
database on the PostgreSQL server of --database-url / DATABASE_URL, dropped at the
end), uploads the file to the import page as a signed-in lead (Django's test
client: the real middleware, upload handler and view), and prints how long the
request took, how long until the preview was ready, each phase's share as the
batch page showed it, and the worker's peak memory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]


def database(url: str | None, workdir: Path) -> tuple[str, str | None]:
    """The throwaway database's URL, and the server to drop it from (PostgreSQL)."""
    if url and url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        server = urlunsplit(parts._replace(path="/postgres"))
        name = f"{parts.path.lstrip('/') or 'customer_flow'}_webbench"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return urlunsplit(parts._replace(path=f"/{name}")), server
    return f"sqlite:///{workdir / 'webbench.sqlite3'}", None


def drop(url: str, server: str | None) -> None:
    if server is None:
        return
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def signed_in_client():  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model
    from django.test import Client

    from customer_flow import two_factor

    user = get_user_model().objects.create_superuser("bench", "b@example.com", "x")
    client = Client()
    client.force_login(user)
    session = client.session
    session[two_factor.SESSION_KEY] = two_factor.DONE
    session.save()
    return client


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def watch(batch_id: int, started: float) -> tuple[float, list[tuple[str, float]], str]:
    """Poll the batch as its page does until the preview is ready (or refused)."""
    from customers.models import ImportBatch

    phases: list[tuple[str, float]] = []
    while True:
        batch = ImportBatch.objects.get(pk=batch_id)
        label = batch.phase or batch.job_state
        if not phases or phases[-1][0] != label:
            phases.append((label, time.perf_counter() - started))
        if batch.status in ("previewed", "refused") or batch.job_failed:
            return time.perf_counter() - started, phases, batch.status
        time.sleep(0.1)


def run(rows: int, path: Path) -> None:
    import django

    django.setup()
    from django.urls import reverse

    from customer_flow.serving import worker_command
    from customers.models import ImportBatch

    client = signed_in_client()
    worker = subprocess.Popen(
        worker_command("--queue-name", "imports"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the worker is up and waiting, as beside `make run`
        started = time.perf_counter()
        with open(path, "rb") as file:
            response = client.post(
                reverse("customers:import"), {"mode": "all_or_nothing", "file": file}
            )
        returned = time.perf_counter() - started
        assert response.status_code == 302, response.content[:500]
        batch = ImportBatch.objects.latest("id")
        ready, phases, status = watch(batch.pk, started)
        rss = peak_rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    vendor = "PostgreSQL" if "postgres" in os.environ["DATABASE_URL"] else "SQLite"
    size = path.stat().st_size / 2**20
    print(f"Web import ({vendor}): {rows:,} rows, {size:.0f} MB, one worker running")
    print(f"  upload request returned after   {returned:7.1f} s")
    print(f"  upload -> preview ready ({status}) {ready:7.1f} s")
    for (label, at), (_, until) in zip(phases, [*phases[1:], ("", ready)], strict=True):
        print(f"    {label or 'starting':<12} {until - at:7.1f} s")
    print(f"  worker peak RSS                 {rss:7.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    import data

    with tempfile.TemporaryDirectory(prefix="cf-webbench-") as tmp:
        workdir = Path(tmp)
        url, server = database(args.database_url, workdir)
        os.environ.update(
            DATABASE_URL=url,
            DEBUG="false",
            SECURE_HTTPS="false",
            ALLOWED_HOSTS="testserver",
            SECRET_KEY="benchmark-only-not-a-secret",
            MEDIA_ROOT=str(workdir / "media"),
            STATIC_ROOT=str(workdir),
            DJANGO_SETTINGS_MODULE="customer_flow.settings",
            PYTHONPATH=str(ROOT),
        )
        try:
            manage = [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"]
            subprocess.run(manage, check=True, cwd=ROOT)
            path = workdir / "id.csv"
            data.write(path, data.rows(args.rows))
            run(args.rows, path)
        finally:
            drop(url, server)


if __name__ == "__main__":
    main()
