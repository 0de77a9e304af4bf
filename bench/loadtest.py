"""Load test on Locust: 20 signed-in staff for 60 s while a 100,000-row import runs.

Serves the app with gunicorn and production settings (customer_flow/gunicorn_conf.py)
on 127.0.0.1 against a throwaway database, runs Locust headless and bounded in time
with bench/locustfile.py (browse lists, search, open customers and tickets, edit
customers and tickets, comment), runs `import_customers` on a 100k-row file in the
middle, then prints Locust's requests/s, p50/p95/p99, errors, and checks that every
write the server acknowledged is in the database.

    python bench/loadtest.py                      # SQLite file
    python bench/loadtest.py --database-url postgres://postgres@127.0.0.1:5432/x
    python bench/loadtest.py --profile            # py-spy: where the server's CPU goes

The PostgreSQL database named in the URL is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "load-test-password-123"
SEED_CUSTOMERS = 20_000
SEED_TICKETS = 5_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare_database(url: str | None, workdir: Path) -> str:
    if not url:
        return f"sqlite:///{workdir / 'load.sqlite3'}"
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url


def seed(env: dict[str, str], users: int, sessions: Path) -> None:
    """Migrate, collect static files, seed the demo data and the staff users, each
    signed in already (staff sign in once a day; hashing 20 passwords at once is
    not the load this measures)."""
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(
        env,
        "seed_demo",
        "--customers",
        str(SEED_CUSTOMERS),
        "--tickets",
        str(SEED_TICKETS),
        "-v0",
    )
    manage(
        env,
        "shell",
        "-c",
        (
            "import json\n"
            "from django.contrib.auth.models import Group, User\n"
            "from django.test import Client\n"
            "staff = Group.objects.get(name='Support staff')\n"
            "sessions = []\n"
            f"for n in range({users}):\n"
            f"    u = User.objects.create_user(f'load{{n}}', password='{PASSWORD}')\n"
            "    u.groups.add(staff)\n"
            "    c = Client()\n"
            "    c.force_login(u)\n"
            "    sessions.append(c.cookies['sessionid'].value)\n"
            f"open({str(sessions)!r}, 'w').write(json.dumps(sessions))\n"
        ),
    )


def write_import_file(path: Path, rows: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["ID", "Name", "Email", "Phone"])
        for n in range(rows):
            pk = 5_000_000 + n
            writer.writerow([pk, f"Imported Person {n}", f"imp{n}@load.example", ""])


@dataclass
class Run:
    stats: dict[str, str]
    failures: list[dict[str, str]]
    acks: list[dict[str, object]]
    import_exit: int
    import_stderr: str
    import_seconds: float
    profile: Path | None


def _serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:customer_flow.gunicorn_conf",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "customer_flow.wsgi",
        ],
        cwd=ROOT,
        env={**env, "GUNICORN_ACCESSLOG": ""},
    )
    for _ in range(150):
        try:
            url = f"http://127.0.0.1:{port}/healthz"
            urllib.request.urlopen(url, timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def _locust(env: dict[str, str], options: argparse.Namespace, port: int, out: Path):
    return subprocess.Popen(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "--users",
            str(options.users),
            "--spawn-rate",
            str(options.users),
            "--run-time",
            f"{options.duration:.0f}s",
            "--stop-timeout",
            "10",
            "--csv",
            str(out / "locust"),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--sessions-file",
            str(out / "sessions.json"),
            "--acks-file",
            str(out / "acks.json"),
            "--seed-customers",
            str(SEED_CUSTOMERS),
            "--seed-tickets",
            str(SEED_TICKETS),
        ],
        cwd=ROOT,
        env=env,
    )


def _profiler(server: subprocess.Popen, out: Path, seconds: float):
    """py-spy over the gunicorn master and its workers (the server's CPU only)."""
    return subprocess.Popen(
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(server.pid),
            "--subprocesses",
            "--duration",
            str(int(seconds)),
            "--rate",
            "50",
            "--format",
            "raw",
            "--output",
            str(out / "profile.txt"),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def load(
    env: dict[str, str], options: argparse.Namespace, import_file: Path, out: Path
) -> Run:
    """Serve with gunicorn; Locust's staff work while the import runs."""
    port = free_port()
    server = _serve(env, port, options.workers)
    profiler = None
    try:
        locust = _locust(env, options, port, out)
        if options.profile:
            profiler = _profiler(server, out, options.duration)
        time.sleep(min(10, options.duration / 4))
        import_started = time.monotonic()
        importer = subprocess.run(
            [sys.executable, "manage.py", "import_customers", str(import_file), "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        import_seconds = time.monotonic() - import_started
        locust.wait(timeout=options.duration + 120)
        if profiler is not None:
            profiler.wait(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with open(out / "locust_stats.csv", newline="") as file:
        stats = next(r for r in csv.DictReader(file) if r["Name"] == "Aggregated")
    with open(out / "locust_failures.csv", newline="") as file:
        failures = list(csv.DictReader(file))
    acks = json.loads((out / "acks.json").read_text())
    return Run(
        stats,
        failures,
        acks,
        importer.returncode,
        importer.stderr.strip()[-300:],
        import_seconds,
        out / "profile.txt" if options.profile else None,
    )


def verify(env: dict[str, str], acks: list[dict[str, object]]) -> int:
    """Count acknowledged writes missing from the database (the last write of each
    field is the one that must be there)."""
    os.environ.update(env, DJANGO_SETTINGS_MODULE="customer_flow.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from customers.models import Customer
    from tickets.models import Ticket, TicketComment

    names = {a["pk"]: a["value"] for a in acks if a["kind"] == "customer_name"}
    priorities = {a["pk"]: a["value"] for a in acks if a["kind"] == "ticket_priority"}
    comments = {(a["pk"], a["value"]) for a in acks if a["kind"] == "comment"}
    stored_names = dict(Customer.objects.filter(pk__in=names).values_list("pk", "name"))
    stored_priorities = dict(
        Ticket.objects.filter(pk__in=priorities).values_list("pk", "priority")
    )
    stored_comments = set(TicketComment.objects.values_list("ticket_id", "body"))
    lost = sum(stored_names.get(pk) != name for pk, name in names.items())
    lost += sum(
        str(stored_priorities.get(pk)) != value for pk, value in priorities.items()
    )
    return lost + len(comments - stored_comments)


def report(options: argparse.Namespace, url: str, run: Run, lost: int) -> None:
    s = run.stats
    errors = sum(int(f["Occurrences"]) for f in run.failures)
    print()
    print(f"database            {url.split('://')[0]}")
    print(
        f"staff               {options.users} Locust users, "
        f"{options.duration:.0f} s, "
        f"{options.workers} gunicorn workers (gthread)"
    )
    print(f"requests            {s['Request Count']}  ({float(s['Requests/s']):.0f}/s)")
    print(
        f"latency p50/95/99   {s['50%']} / {s['95%']} / {s['99%']} ms "
        f"(mean {float(s['Average Response Time']):.0f} ms)"
    )
    print(f"errors              {errors}")
    for failure in run.failures:
        print(f"  {failure['Occurrences']} x {failure['Name']}: {failure['Error']}")
    print(
        f"import              {options.import_rows} rows in "
        f"{run.import_seconds:.1f} s, "
        f"exit {run.import_exit} {run.import_stderr}"
    )
    print(f"acknowledged writes {len(run.acks)}, lost {lost}")
    if run.profile is not None:
        print(f"profile             {run.profile} (py-spy raw; see bench/profile.py)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--profile", action="store_true", help="py-spy the server")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cf-load-"))
    database_url = prepare_database(options.database_url, workdir)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECURE_HTTPS": "false",
        "SECRET_KEY": "load-test-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(workdir / "static"),
        "AXES_FAILURE_LIMIT": "1000",
    }
    print(f"Preparing {database_url} ...", flush=True)
    seed(env, options.users, workdir / "sessions.json")
    import_file = workdir / "import.csv"
    write_import_file(import_file, options.import_rows)
    run = load(env, options, import_file, workdir)
    lost = verify(env, run.acks)
    report(options, database_url, run, lost)
    if not options.keep and not options.profile:
        shutil.rmtree(workdir, ignore_errors=True)
    if lost or run.failures or run.import_exit:
        sys.exit(1)


if __name__ == "__main__":
    main()
