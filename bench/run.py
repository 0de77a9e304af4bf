"""Benchmark the customer import and export (``make bench``).

    python bench/run.py [--rows N] [--database-url URL] [--import-export-rows N]

Generates N synthetic rows (default 1,000,000) and, on the same rows and machine,
times: plain stdlib sqlite3 executemany into an equivalent table with the same
unique index (the floor); our import into an empty database; the same file again
(unchanged); a file with 10% of the rows changed; our CSV export against plain
csv.writer over the same table; and django-import-export's fastest bulk mode.
Each scenario runs in its own process, so its peak memory (ru_maxrss) is its own.

The database is always a throwaway: a SQLite file in a temporary directory, or,
with a PostgreSQL URL (--database-url or DATABASE_URL), a new database named
``<name>_bench`` on that server, dropped at the end. Never db.sqlite3.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class LockProbe(threading.Thread):
    """A staff member's edit, every 20 ms: how long does it wait for SQLite's
    write lock while an import runs?"""

    def __init__(self, database: Path) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.done = threading.Event()
        self.longest = 0.0

    def run(self) -> None:
        connection = sqlite3.connect(self.database, timeout=300, isolation_level=None)
        while not self.done.is_set():
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            self.longest = max(self.longest, time.perf_counter() - started)
            connection.execute("ROLLBACK")
            time.sleep(0.02)
        connection.close()


class Bench:
    def __init__(self, rows: int, url: str | None, workdir: Path) -> None:
        self.rows = rows
        self.workdir = workdir
        self.postgres = bool(url) and url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urlsplit(url)
            self.server = urlunsplit(parts._replace(path="/postgres"))
            self.name = f"{parts.path.lstrip('/') or 'customer_flow'}_bench"
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        else:
            self.database = workdir / "bench.sqlite3"
            self.template = workdir / "template.sqlite3"
            self.url = f"sqlite:///{self.database}"
        self.results: dict[str, dict] = {}

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-not-a-secret",
            "PYTHONPATH": str(ROOT),
        }

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.server, autocommit=True) as connection:
            connection.execute(statement)

    def create(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')
            self._admin(f'CREATE DATABASE "{self.name}"')
        manage = [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"]
        subprocess.run(manage, env=self.env(), check=True, cwd=ROOT)
        if not self.postgres:
            shutil.copy(self.database, self.template)

    def fresh(self) -> None:
        """An empty customers table again."""
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as connection:
                connection.execute(
                    "TRUNCATE customers_historicalcustomer, customers_importbatch, "
                    "customers_customer RESTART IDENTITY CASCADE"
                )
                connection.execute("VACUUM ANALYZE")
            return
        for suffix in ("-wal", "-shm"):
            Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        shutil.copy(self.template, self.database)

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')

    def run(self, label: str, scenario: str, *arguments: str, probe: bool = False):
        print(f"  {label} ...", file=sys.stderr, flush=True)
        prober = None
        if probe and not self.postgres:
            prober = LockProbe(self.database)
            prober.start()
        done = subprocess.run(
            [sys.executable, str(HERE / "scenario.py"), scenario, *arguments],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if prober:
            prober.done.set()
            prober.join()
        if done.returncode:
            sys.exit(f"{label} failed:\n{done.stderr}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        if prober:
            figures["lock_wait"] = prober.longest
        self.results[label] = figures
        return figures


def report(bench: Bench, floor: str, export_floor: str, ie_label: str | None) -> None:
    results = bench.results
    base = results[floor]
    print()
    print(
        f"{'scenario':<44} {'rows':>9} {'seconds':>8} {'rows/s':>10} "
        f"{'peak MB':>8} {'ratio':>14}"
    )
    for label, figures in results.items():
        rate = figures["rows"] / figures["seconds"] if figures["seconds"] else 0
        ratio = ""
        if label == export_floor or label == floor:
            ratio = "1.00 (floor)"
        elif label.startswith("export"):
            ratio = f"{figures['seconds'] / results[export_floor]['seconds']:.2f} x csv"
        else:
            # Per row, so a scenario run on fewer rows still compares.
            per_row = figures["seconds"] / figures["rows"]
            ratio = f"{per_row / (base['seconds'] / base['rows']):.2f} x floor"
        print(
            f"{label:<44} {figures['rows']:>9,} {figures['seconds']:>8.2f} "
            f"{rate:>10,.0f} {figures['peak_mb']:>8.0f} {ratio:>14}"
        )
    print()
    for label, figures in results.items():
        if figures.get("write_seconds") is not None:
            line = f"{label}: write transaction {figures['write_seconds']:.2f} s"
            if "lock_wait" in figures:
                line += (
                    f", longest wait of a concurrent writer "
                    f"{figures['lock_wait']:.2f} s"
                )
            print(line)
    if ie_label:
        ours = results["import new rows (ours)"]
        theirs = results[ie_label]
        speedup = (theirs["seconds"] / theirs["rows"]) / (
            ours["seconds"] / ours["rows"]
        )
        print(
            f"ours vs django-import-export bulk mode: {speedup:.1f}x faster per row, "
            "and ours writes a history row per customer, theirs none"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or None,
        help="A PostgreSQL server to use (a throwaway <name>_bench database is "
        "created on it); default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--import-export-rows",
        type=int,
        help="Rows for the django-import-export scenario (default: --rows); 0 to "
        "skip it.",
    )
    options = parser.parse_args()
    url = options.database_url
    if url and not url.startswith(("postgres://", "postgresql://")):
        url = None  # SQLite: always a temporary file, never the app's database

    workdir = Path(tempfile.mkdtemp(prefix="customer-flow-bench-"))
    bench = Bench(options.rows, url, workdir)
    kind = "PostgreSQL" if bench.postgres else "SQLite"
    print(f"Benchmark on {kind}, {options.rows:,} rows, in {workdir}", file=sys.stderr)
    try:
        ie_rows = (
            options.rows
            if options.import_export_rows is None
            else options.import_export_rows
        )
        generate = [sys.executable, str(HERE / "data.py"), str(options.rows)]
        subprocess.run([*generate, str(workdir), str(ie_rows)], check=True)
        bench.create()

        if bench.postgres:
            floor = "psycopg executemany (floor)"
            bench.run(floor, "floor-postgresql", str(workdir / "new.csv"), bench.url)
        else:
            floor = "sqlite3 executemany (floor)"
            target = str(workdir / "floor.sqlite3")
            bench.run(floor, "floor-sqlite", str(workdir / "new.csv"), target)
        bench.fresh()
        new, changed = str(workdir / "new.csv"), str(workdir / "changed.csv")
        # For reference: the same executemany into the app's own table, which
        # carries the search indexes of the staff pages besides the unique email.
        bench.run("executemany into the app's table", "floor-app-table", new)
        bench.fresh()
        bench.run("import new rows (ours)", "import", new, probe=True)
        bench.run("re-import unchanged (ours)", "import", new, probe=True)
        bench.run("import with 10% changed (ours)", "import", changed, probe=True)
        export_floor = "export: plain csv.writer (floor)"
        bench.run(export_floor, "export-floor", str(workdir / "floor.csv"))
        bench.run("export (ours)", "export", str(workdir / "export.csv"))
        ie_label = None
        if ie_rows:
            bench.fresh()
            ie_label = "django-import-export bulk mode, new rows"
            bench.run(ie_label, "import-export", str(workdir / "ie.csv"))
        report(bench, floor, export_floor, ie_label)
    finally:
        bench.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
