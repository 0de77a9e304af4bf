"""Benchmark the customer import and export (``make bench``).

    python bench/run.py [--sizes 1000000,3000000,10000000] [--database-url URL]
                        [--import-export-rows N] [--markdown]

For each size (default 1M, 3M and 10M rows on SQLite; 1M and 3M on PostgreSQL)
it generates synthetic rows and, on the same rows and machine, in the same run,
times: the stdlib floor (plain sqlite3/psycopg executemany into an equivalent
table with the same unique email index); the same-schema floor (executemany into
the app's own customers table with all its indexes, no validation, no history);
our import into an empty database; the same file again (unchanged); a file with
10% of the rows changed. At the first size also our CSV export against plain
csv.writer, and optionally django-import-export's fastest bulk mode. Each
scenario runs in its own process, so its peak memory (ru_maxrss) is its own. The
table gives each scenario's ratio (per row) to both floors of the same size and,
for our imports, its time against the first size's (linearity).

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
    def __init__(self, url: str | None, workdir: Path) -> None:
        self.size = 0
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
        self.results: dict[tuple[int, str], dict] = {}

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
        self.results[(self.size, label)] = figures
        # As it goes, so that an interrupted run still says what it measured.
        print(
            f"    {figures['seconds']:.2f} s, CPU {figures['cpu']:.2f} s, "
            f"peak {figures['peak_mb']:.0f} MB",
            file=sys.stderr,
            flush=True,
        )
        return figures


STDLIB_FLOOR = "stdlib floor"
SCHEMA_FLOOR = "same-schema floor"
IMPORTS = [
    ("import new rows (ours)", "new.csv"),
    ("re-import unchanged (ours)", "new.csv"),
    ("import with 10% changed (ours)", "changed.csv"),
]


def run_size(bench: Bench, rows: int, *, extras: bool, ie_rows: int) -> None:
    """Every scenario of one file size, in its own directory of ``bench.workdir``."""
    directory = bench.workdir / f"rows-{rows}"
    directory.mkdir()
    print(f"{rows:,} rows", file=sys.stderr, flush=True)
    generate = [sys.executable, str(HERE / "data.py"), str(rows), str(directory)]
    subprocess.run([*generate, str(ie_rows if extras else 0)], check=True)
    new = str(directory / "new.csv")
    bench.size = rows
    if bench.postgres:
        bench.run(STDLIB_FLOOR, "floor-postgresql", new, bench.url)
    else:
        bench.run(STDLIB_FLOOR, "floor-sqlite", new, str(directory / "floor.sqlite3"))
    bench.fresh()
    # The same tables and indexes as ours (the app's customers table with its
    # search indexes), written with executemany: no validation, no history.
    bench.run(SCHEMA_FLOOR, "floor-app-table", new)
    bench.fresh()
    for label, name in IMPORTS:
        bench.run(label, "import", str(directory / name), probe=True)
    if extras:
        bench.run("export: plain csv.writer (floor)", "export-floor", new + ".floor")
        bench.run("export (ours)", "export", new + ".export")
        if ie_rows:
            bench.fresh()
            label = "django-import-export bulk mode, new rows"
            bench.run(label, "import-export", str(directory / "ie.csv"))
    bench.fresh()
    for path in directory.iterdir():
        path.unlink()


def ratio(figures: dict, floor: dict | None, key: str = "seconds") -> str:
    if not floor or not floor[key]:
        return ""
    # Per row, so a scenario run on fewer rows still compares.
    per_row = figures[key] / figures["rows"]
    return f"{per_row / (floor[key] / floor['rows']):.2f}"


def report(bench: Bench, *, markdown: bool) -> None:
    """One table: every scenario of every size, with its ratios to both floors
    of the same size and, for our imports, its time against the smallest size's."""
    smallest = min(size for size, _label in bench.results)
    head = [
        "rows",
        "scenario",
        "seconds",
        "cpu s",
        "peak MB",
        "x stdlib",
        "x schema",
        "x stdlib cpu",
        "x 1st",
    ]
    table = []
    for (size, label), figures in bench.results.items():
        floors = [
            bench.results.get((size, floor)) for floor in (STDLIB_FLOOR, SCHEMA_FLOOR)
        ]
        first = bench.results.get((smallest, label))
        growth = ""
        if first and size != smallest and "(ours)" in label:
            growth = f"{figures['seconds'] / first['seconds']:.2f}"
        table.append(
            [
                f"{size:,}",
                label,
                f"{figures['seconds']:.2f}",
                f"{figures['cpu']:.2f}",
                f"{figures['peak_mb']:.0f}",
                *(ratio(figures, floor) for floor in floors),
                ratio(figures, floors[0], "cpu"),
                growth,
            ]
        )
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in table:
            print("| " + " | ".join(row) + " |")
    else:
        print(f"{head[0]:>11} {head[1]:<42} " + " ".join(f"{h:>8}" for h in head[2:]))
        for row in table:
            print(f"{row[0]:>11} {row[1]:<42} " + " ".join(f"{c:>8}" for c in row[2:]))
    print()
    for (size, label), figures in bench.results.items():
        if figures.get("write_seconds") is not None:
            seconds, wait = figures["write_seconds"], figures.get("lock_wait")
            line = f"{size:,} {label}: write transaction {seconds:.2f} s"
            if wait is not None:
                line += f", longest wait of a concurrent writer {wait:.2f} s"
            print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        help="Comma-separated row counts (default 1M,3M,10M on SQLite, 1M,3M on "
        "PostgreSQL).",
    )
    parser.add_argument("--rows", type=int, help="One size only (same as --sizes N).")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or None,
        help="A PostgreSQL server to use (a throwaway <name>_bench database is "
        "created on it); default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--import-export-rows",
        type=int,
        default=0,
        help="Rows for the django-import-export scenario (at the first size; "
        "default 0: skipped).",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="Print a Markdown table."
    )
    options = parser.parse_args()
    url = options.database_url
    if url and not url.startswith(("postgres://", "postgresql://")):
        url = None  # SQLite: always a temporary file, never the app's database
    if options.rows:
        sizes = [options.rows]
    elif options.sizes:
        sizes = [int(size) for size in options.sizes.split(",")]
    else:
        sizes = [1_000_000, 3_000_000] + ([] if url else [10_000_000])

    workdir = Path(tempfile.mkdtemp(prefix="customer-flow-bench-"))
    bench = Bench(url, workdir)
    kind = "PostgreSQL" if bench.postgres else "SQLite"
    print(f"Benchmark on {kind}, sizes {sizes}, in {workdir}", file=sys.stderr)
    try:
        bench.create()
        for index, size in enumerate(sizes):
            ie_rows = min(options.import_export_rows, size)
            run_size(bench, size, extras=index == 0, ie_rows=ie_rows)
        report(bench, markdown=options.markdown)
    finally:
        bench.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
