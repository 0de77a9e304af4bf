"""The import cost of the search keys and what keeps them (``make bench``).

    python bench/search_keys.py [--rows 1000000] [--database-url URL]

On the same synthetic file (bench/data.py) and in the same run, each way in its
own process against a freshly migrated throwaway database, a first import of
``--rows`` new rows:

- ``as shipped``: keys worked out, their indexes, the triggers of
  ``customers.derived_tables`` (names table, duplicate groups);
- ``without the triggers`` (nor the importer's recount of their tables);
- ``without the triggers and the six search-key indexes`` (the email key stays:
  it is the identity rule, not search).

and the time ``search_keys.key_columns`` takes to work the keys out for the rows.
The cost of search is the first import against the third, plus nothing for the
key columns themselves (they are computed in the third too); their compute time
is printed apart. Wall seconds and the process's CPU seconds (SQLite works in
the process; a loaded machine disturbs CPU time much less).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WAYS = {
    "shipped": "as shipped",
    "no-triggers": "without the triggers",
    "no-search": "without the triggers and the search-key indexes",
}
SEARCH_INDEXES = [
    "customer_name_key_idx",
    "customer_name_tail_key_idx",
    "customer_name_last_key_idx",
    "customer_domain_key_idx",
    "customer_phone_key_idx",
    "customer_phone_rev_key_idx",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--ways", default=",".join(WAYS), help="some of: " + ", ".join(WAYS)
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    with tempfile.TemporaryDirectory(prefix="cf-keys-") as work:
        directory = Path(work)
        subprocess.run(
            [sys.executable, str(HERE / "data.py"), str(args.rows), work, "0"],
            check=True,
        )
        file = str(directory / "new.csv")
        ways = [way for way in args.ways.split(",") if way in WAYS]
        results = {way: _run(way, file, directory, args.database_url) for way in ways}
        results["keys"] = _run("keys", file, directory, None)
    _report(results, args.rows)
    return 0


def _run(way: str, file: str, directory: Path, url: str | None) -> dict:
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "bench-" + "k" * 50}
    if url and url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/')}_keys"
        server = urlunsplit(parts._replace(path="/postgres"))
        _admin(server, f'DROP DATABASE IF EXISTS "{name}"')
        _admin(server, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    else:
        database = directory / f"{way}.sqlite3"
        for leftover in directory.glob(f"{way}.sqlite3*"):
            leftover.unlink()
        env["DATABASE_URL"] = f"sqlite:///{database}"
    if way != "keys":
        manage = [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"]
        subprocess.run(manage, env=env, check=True, cwd=ROOT)
    child = [sys.executable, __file__, "--child", way, file]
    done = subprocess.run(child, env=env, check=True, capture_output=True, text=True)
    for leftover in directory.glob(f"{way}.sqlite3*"):
        leftover.unlink()
    return json.loads(done.stdout.strip().splitlines()[-1])


def _admin(server: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(statement)


def _child(way: str, file: str) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "customer_flow.settings")
    import resource

    import django

    django.setup()

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    if way == "keys":
        import pyarrow.csv as pacsv

        from customers.search_keys import key_columns

        table = pacsv.read_csv(file)
        started, cpu_started = time.perf_counter(), cpu()
        key_columns(table["Name"], table["Email"], table["Phone"])
        return {"seconds": time.perf_counter() - started, "cpu": cpu() - cpu_started}

    from django.db import connection

    from customers import derived_tables
    from customers.importing import import_customers

    with connection.cursor() as cursor:
        if way != "shipped":
            for statement in derived_tables.drop_trigger_statements(connection.vendor):
                cursor.execute(statement)
            # Nor the importer's recount of the derived tables (which would put
            # the SQLite triggers back).
            derived_tables.paused = _not_paused  # type: ignore[assignment]
        if way == "no-search":
            for index in SEARCH_INDEXES:
                cursor.execute(f"DROP INDEX {index}")
    started, cpu_started = time.perf_counter(), cpu()
    with open(file, "rb") as handle:
        report = import_customers(handle)
    assert not report.errors, report.errors[:5]
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu() - cpu_started,
        "rows": report.created,
    }


class _Unnoted:
    def note(self, *args: object, **kwargs: object) -> None:
        pass


@contextmanager
def _not_paused() -> Iterator[_Unnoted]:
    yield _Unnoted()


def _report(results: dict, rows: int) -> None:
    ways = [way for way in WAYS if way in results]
    base = results[ways[-1]]
    print(f"\nFirst import of {rows:,} new rows (seconds; ratio to the last way):")
    print(f"{'way':<50} {'wall':>8} {'cpu':>8} {'wall x':>7} {'cpu x':>7}")
    for way in ways:
        label, got = WAYS[way], results[way]
        print(
            f"{label:<50} {got['seconds']:8.2f} {got['cpu']:8.2f} "
            f"{got['seconds'] / base['seconds']:7.2f} {got['cpu'] / base['cpu']:7.2f}"
        )
    keys = results["keys"]
    print(
        f"{'working the keys out (key_columns), apart':<50} "
        f"{keys['seconds']:8.2f} {keys['cpu']:8.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())
