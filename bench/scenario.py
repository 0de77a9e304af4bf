"""One benchmark scenario, run in its own process by bench/run.py.

Prints one JSON line: seconds and CPU seconds (of the measured operation only),
peak memory of this process (ru_maxrss) and extra figures. The database is the
throwaway one in DATABASE_URL, set by run.py.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


_cpu_started = 0.0


def start() -> float:
    """Where the measured operation starts: its wall clock, and (kept here) the
    process's CPU time, which a loaded machine disturbs much less."""
    global _cpu_started
    _cpu_started = cpu_seconds()
    return time.perf_counter()


def floor_sqlite(path: str, database: str) -> dict:
    """Plain stdlib sqlite3 executemany into an equivalent table with the same
    unique index, with the app's journal settings (WAL, synchronous=NORMAL)."""
    import sqlite3

    with open(path, encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        rows = [(int(i), name, email, phone) for i, name, email, phone in reader]
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE floor (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "email TEXT NOT NULL, phone TEXT NOT NULL)"
    )
    connection.execute("CREATE UNIQUE INDEX floor_email ON floor (LOWER(email))")
    started = start()
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO floor VALUES (?, ?, ?, ?)", rows)
    connection.execute("COMMIT")
    return {"seconds": time.perf_counter() - started, "rows": len(rows)}


def floor_postgresql(path: str, url: str) -> dict:
    """The same on PostgreSQL: psycopg executemany into an equivalent table."""
    import psycopg

    with open(path, encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        rows = [(int(i), name, email, phone) for i, name, email, phone in reader]
    with psycopg.connect(url) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_floor")
        connection.execute(
            "CREATE TABLE bench_floor (id BIGINT PRIMARY KEY, name TEXT NOT NULL, "
            "email TEXT NOT NULL, phone TEXT NOT NULL)"
        )
        connection.execute("CREATE UNIQUE INDEX ON bench_floor (LOWER(email))")
        connection.commit()
        started = start()
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_floor VALUES (%s, %s, %s, %s)", rows)
        connection.commit()
        seconds = time.perf_counter() - started
        connection.execute("DROP TABLE bench_floor")
    return {"seconds": seconds, "rows": len(rows)}


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "customer_flow.settings")
    import django

    django.setup()


def floor_app_table(path: str) -> dict:
    """executemany straight into the app's customers table, with every index it
    carries (the search indexes too): no validation, no history, no staging."""
    setup_django()
    from django.db import connection, transaction
    from django.utils import timezone

    with open(path, encoding="utf-8", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        now = timezone.now()
        rows = [(int(i), n, e, e.lower(), p, now, now, 1) for i, n, e, p in reader]
    started = start()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO customers_customer (id, name, email, email_key, phone,"
            " created_at, updated_at, version)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    return {"seconds": time.perf_counter() - started, "rows": len(rows)}


def import_file(path: str) -> dict:
    setup_django()
    from customers.importing import import_customers

    started = start()
    with open(path, "rb") as file:
        report = import_customers(file)
    seconds = time.perf_counter() - started
    assert not report.errors, report.errors[:5]
    return {
        "seconds": seconds,
        "rows": report.created + report.updated + report.unchanged,
        "summary": report.summary(),
        "write_seconds": report.write_seconds,
    }


def export_file(path: str) -> dict:
    setup_django()
    from customers.exporting import write_customers_csv
    from customers.models import Customer

    started = start()
    with open(path, "w", encoding="utf-8", newline="") as file:
        count = write_customers_csv(Customer.objects.active(), file)
    return {"seconds": time.perf_counter() - started, "rows": count}


def export_floor(path: str) -> dict:
    """Plain csv.writer over the same table, from a plain DB-API connection
    (stdlib sqlite3, or a psycopg server-side cursor): no Django."""
    url = os.environ["DATABASE_URL"]
    sql = (
        "SELECT id, name, email, phone FROM customers_customer "
        "WHERE archived_at IS NULL ORDER BY id"
    )
    if url.startswith("sqlite:"):
        import sqlite3

        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        cursor = connection.execute("SELECT 1")
    else:
        import psycopg

        connection = psycopg.connect(url)
        cursor = connection.cursor(name="export_floor")
    started = start()
    with open(path, "w", encoding="utf-8", newline="") as file:
        cursor.execute(sql)
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["ID", "Name", "Email", "Phone"])
        count = 0
        while rows := cursor.fetchmany(10_000):
            writer.writerows(rows)
            count += len(rows)
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": seconds, "rows": count}


def import_export_bulk(path: str) -> dict:
    """django-import-export's fastest bulk mode, as a Django team would use it."""
    setup_django()
    import tablib
    from import_export import resources
    from import_export.fields import Field

    from customers.models import Customer

    class BulkCustomerResource(resources.ModelResource):
        id = Field(attribute="id", column_name="ID")
        name = Field(attribute="name", column_name="Name")
        email = Field(attribute="email", column_name="Email")
        phone = Field(attribute="phone", column_name="Phone")

        class Meta:
            model = Customer
            fields = ("id", "name", "email", "phone")
            import_id_fields = ("id",)
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            force_init_instance = True
            use_transactions = True

    started = start()
    with open(path, encoding="utf-8") as file:
        dataset = tablib.Dataset().load(file.read(), format="csv")
    result = BulkCustomerResource().import_data(dataset, raise_errors=True)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": result.totals["new"] + result.totals["update"],
    }


SCENARIOS = {
    "floor-sqlite": floor_sqlite,
    "floor-postgresql": floor_postgresql,
    "floor-app-table": floor_app_table,
    "import": import_file,
    "export": export_file,
    "export-floor": export_floor,
    "import-export": import_export_bulk,
}

if __name__ == "__main__":
    name, *arguments = sys.argv[1:]
    figures = SCENARIOS[name](*arguments)
    # This process's CPU only: on PostgreSQL the server's work is not in it.
    figures["cpu"] = cpu_seconds() - _cpu_started
    figures["peak_mb"] = peak_mb()
    print(json.dumps(figures))
