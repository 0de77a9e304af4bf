"""Load test: 20 signed-in staff for 60 s while a 100,000-row import runs.

Serves the app with gunicorn and production settings on 127.0.0.1 against a
throwaway database, drives it with a bounded pool of simulated staff (browse lists,
search, open customers and tickets, edit customers and tickets, add comments), runs
`import_customers` on a 100k-row file in the middle, then prints requests/s,
p50/p95/p99 latency, errors, and checks every acknowledged edit is in the database.

    python bench/loadtest.py                      # SQLite file
    python bench/loadtest.py --database-url postgres://postgres@127.0.0.1:5432/x

The PostgreSQL database named in the URL is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password-123"
SEED_CUSTOMERS = 20_000
SEED_TICKETS = 5_000
CUSTOMERS_PER_USER = 20


class FormParser(HTMLParser):
    """Collect the fields of the form whose action contains ``action``."""

    def __init__(self, action: str, page: str) -> None:
        super().__init__()
        self.action = action
        self.page = page  # a form without an action posts to its own page
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = self.action in (a.get("action") or self.page)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button"):
                self.fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    lock = threading.Lock()

    def record(self, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if error:
                self.errors[error] += 1


@dataclass
class Acks:
    """What the server acknowledged (a redirect after a POST): it must be stored."""

    customer_names: dict[int, str] = field(default_factory=dict)
    ticket_priorities: dict[int, str] = field(default_factory=dict)
    comments: list[tuple[int, str]] = field(default_factory=list)
    conflicts: int = 0
    lock = threading.Lock()


class Staff:
    def __init__(self, base: str, number: int, stats: Stats, acks: Acks) -> None:
        self.base = base
        self.number = number
        self.stats = stats
        self.acks = acks
        self.random = random.Random(number)
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )
        first = 1 + number * CUSTOMERS_PER_USER
        self.own_customers = list(range(first, first + CUSTOMERS_PER_USER))
        self.own_tickets = list(range(1 + number * 10, 11 + number * 10))
        self.edits = 0

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        except OSError as error:
            self.stats.record(time.perf_counter() - started, type(error).__name__)
            return 0, ""
        bad = status >= 400 and not (status == 404 and data is None)
        error = None
        if bad:
            error = f"HTTP {status}" + (
                " database is locked" if "locked" in text else ""
            )
        self.stats.record(time.perf_counter() - started, error)
        return status, text

    def form(self, page: str, action: str) -> dict[str, str]:
        status, text = self.request(page)
        parser = FormParser(action, page)
        parser.feed(text)
        return parser.fields

    def sign_in(self) -> None:
        fields = self.form("/login/", "/login/")
        fields.update(username=f"load{self.number}", password=PASSWORD)
        status, _ = self.request("/login/", fields)
        if status != 302:
            raise RuntimeError(f"load{self.number} could not sign in ({status})")

    def browse(self, deadline: float) -> None:
        actions = [
            (30, self.customer_list),
            (20, self.search),
            (15, self.customer_detail),
            (10, self.ticket_queue),
            (10, self.ticket_detail),
            (7, self.edit_customer),
            (4, self.edit_ticket),
            (4, self.comment),
        ]
        weights = [w for w, _ in actions]
        while time.monotonic() < deadline:
            self.random.choices(actions, weights)[0][1]()

    def customer_list(self) -> None:
        page = self.random.choice([1, 1, 1, 2, 3])
        self.request(f"/customers/?page={page}")

    def search(self) -> None:
        term = self.random.choice(
            ["ann", "smi", "john", "mar", "@example", "555", "12"]
        )
        self.request(f"/customers/?q={urllib.parse.quote(term)}")

    def customer_detail(self) -> None:
        self.request(f"/customers/{self.random.randint(1, SEED_CUSTOMERS)}/")

    def ticket_queue(self) -> None:
        self.request(self.random.choice(["/tickets/", "/tickets/?assignee=mine", "/"]))

    def ticket_detail(self) -> None:
        self.request(f"/tickets/{self.random.randint(1, SEED_TICKETS)}/")

    def edit_customer(self) -> None:
        pk = self.random.choice(self.own_customers)
        fields = self.form(f"/customers/{pk}/edit/", f"/customers/{pk}/edit/")
        self.edits += 1
        name = f"Load {self.number} edit {self.edits}"
        fields["name"] = name
        status, _ = self.request(f"/customers/{pk}/edit/", fields)
        if status == 302:
            with self.acks.lock:
                self.acks.customer_names[pk] = name
        elif status == 200:
            with self.acks.lock:
                self.acks.conflicts += 1

    def edit_ticket(self) -> None:
        pk = self.random.choice(self.own_tickets)
        fields = self.form(f"/tickets/{pk}/", f"/tickets/{pk}/change/")
        fields["priority"] = self.random.choice(["1", "2", "3", "4"])
        status, _ = self.request(f"/tickets/{pk}/change/", fields)
        if status == 302:
            with self.acks.lock:
                self.acks.ticket_priorities[pk] = fields["priority"]

    def comment(self) -> None:
        pk = self.random.choice(self.own_tickets)
        fields = self.form(f"/tickets/{pk}/", f"/tickets/{pk}/comment/")
        self.edits += 1
        body = f"Load comment {self.number}-{self.edits}"
        fields["body"] = body
        status, _ = self.request(f"/tickets/{pk}/comment/", fields)
        if status == 302:
            with self.acks.lock:
                self.acks.comments.append((pk, body))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
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


def write_import_file(path: Path, rows: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["ID", "Name", "Email", "Phone"])
        for n in range(rows):
            pk = 5_000_000 + n
            writer.writerow([pk, f"Imported Person {n}", f"imp{n}@load.example", ""])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def verify(env: dict, acks: Acks) -> int:
    """Count acknowledged writes missing from the database."""
    os.environ.update(env, DJANGO_SETTINGS_MODULE="customer_flow.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from customers.models import Customer
    from tickets.models import Ticket, TicketComment

    lost = 0
    names = dict(
        Customer.objects.filter(pk__in=acks.customer_names).values_list("pk", "name")
    )
    lost += sum(names.get(pk) != name for pk, name in acks.customer_names.items())
    priorities = dict(
        Ticket.objects.filter(pk__in=acks.ticket_priorities).values_list(
            "pk", "priority"
        )
    )
    lost += sum(
        str(priorities.get(pk)) != value for pk, value in acks.ticket_priorities.items()
    )
    stored = set(TicketComment.objects.values_list("ticket_id", "body"))
    lost += sum(comment not in stored for comment in acks.comments)
    return lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
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
    seed(env, options.users)
    import_file = workdir / "import.csv"
    write_import_file(import_file, options.import_rows)
    run = load(env, options, import_file)
    generator_cpu = resource.getrusage(resource.RUSAGE_SELF)
    lost = verify(env, run.acks)
    report(options, database_url, run, lost, generator_cpu)
    shutil.rmtree(workdir, ignore_errors=True)


def seed(env: dict[str, str], users: int) -> None:
    """Migrate, collect static files, seed the demo data and the staff users."""
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
            "from django.contrib.auth.models import Group, User\n"
            "staff = Group.objects.get(name='Support staff')\n"
            f"for n in range({users}):\n"
            f"    u = User.objects.create_user(f'load{{n}}', password='{PASSWORD}')\n"
            "    u.groups.add(staff)\n"
        ),
    )


@dataclass
class Run:
    stats: Stats
    acks: Acks
    importer: subprocess.CompletedProcess
    import_seconds: float
    elapsed: float


def load(env: dict[str, str], options: argparse.Namespace, import_file: Path) -> Run:
    """Serve with gunicorn; the staff browse while the import runs."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
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
            str(options.workers),
            "customer_flow.wsgi",
        ],
        cwd=ROOT,
        env={**env, "GUNICORN_ACCESSLOG": ""},
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        stats, acks = Stats(), Acks()
        staff = [Staff(base, n, stats, acks) for n in range(options.users)]
        for member in staff:
            member.sign_in()
        stats.latencies.clear()

        started = time.monotonic()
        deadline = started + options.duration
        threads = [threading.Thread(target=m.browse, args=(deadline,)) for m in staff]
        for thread in threads:
            thread.start()
        time.sleep(min(5, options.duration / 4))
        import_started = time.monotonic()
        importer = subprocess.run(
            [sys.executable, "manage.py", "import_customers", str(import_file), "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        import_seconds = time.monotonic() - import_started
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    return Run(stats, acks, importer, import_seconds, elapsed)


def report(
    options: argparse.Namespace,
    database_url: str,
    run: Run,
    lost: int,
    generator_cpu: resource.struct_rusage,
) -> None:
    stats, acks, importer, elapsed = run.stats, run.acks, run.importer, run.elapsed
    latencies = stats.latencies
    print()
    print(f"database            {database_url.split('://')[0]}")
    print(
        f"staff               {options.users} for {options.duration:.0f} s, "
        f"{options.workers} gunicorn workers"
    )
    print(f"requests            {len(latencies)}  ({len(latencies) / elapsed:.0f}/s)")
    print(
        f"latency p50/95/99   {percentile(latencies, 0.5) * 1000:.0f} / "
        f"{percentile(latencies, 0.95) * 1000:.0f} / "
        f"{percentile(latencies, 0.99) * 1000:.0f} ms "
        f"(mean {statistics.mean(latencies) * 1000:.0f} ms)"
    )
    print(f"errors              {sum(stats.errors.values())} {dict(stats.errors)}")
    print(
        f"import              {options.import_rows} rows in "
        f"{run.import_seconds:.1f} s, "
        f"exit {importer.returncode} {importer.stderr.strip()[-300:]}"
    )
    print(
        f"acknowledged writes {len(acks.customer_names)} customers, "
        f"{len(acks.ticket_priorities)} tickets, {len(acks.comments)} comments; "
        f"edit conflicts shown {acks.conflicts}"
    )
    print(f"lost writes         {lost}")
    print(
        f"load generator CPU  {generator_cpu.ru_utime + generator_cpu.ru_stime:.1f} s "
        f"of {elapsed * (os.cpu_count() or 1):.0f} core-seconds (same machine)"
    )
    ok = (
        not stats.errors
        and lost == 0
        and importer.returncode == 0
        and percentile(latencies, 0.95) < 0.3
        and len(latencies) / elapsed >= 150
    )
    print(
        "targets (0 errors, 0 lost, p95 < 300 ms, >= 150 req/s):",
        "met" if ok else "MISSED",
    )


if __name__ == "__main__":
    main()
