"""Probe the building blocks of a streaming import (issue 10 §1): seconds and
peak memory of reading a file in chunks into a staging table on disk and running
the whole-file checks as set-based SQL. Not the importer: a measurement to size
the design. (Rows with quoted line breaks are not numbered physically here.)

    python bench/staging_probe.py FILE.csv CUSTOMERS.sqlite3

CUSTOMERS.sqlite3 is a migrated database (for example one ``make bench`` or
``import_customers`` filled); it is only read.
"""

from __future__ import annotations

import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

NAMES = ["id", "name", "email", "phone"]


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def stage(path: str, staging: sqlite3.Connection) -> int:
    """The file, a chunk at a time, into the staging table."""
    staging.execute(
        "CREATE TABLE stage (line INTEGER PRIMARY KEY, id INTEGER, name TEXT, "
        "email TEXT, email_key TEXT, phone TEXT)"
    )
    reader = pacsv.open_csv(
        path,  # a path: Arrow reads it itself, no Python object on its threads
        read_options=pacsv.ReadOptions(
            block_size=1 << 20, skip_rows=1, column_names=NAMES
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(NAMES, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    line = 2
    for batch in reader:
        frame = batch.to_pandas(types_mapper=pd.ArrowDtype)
        frame["email_key"] = pc.ascii_lower(batch.column("email")).to_pandas(
            types_mapper=pd.ArrowDtype
        )
        frame["id"] = pd.to_numeric(frame["id"].replace("", None))
        frame.insert(0, "line", range(line, line + len(frame)))
        line += len(frame)
        columns = ["line", "id", "name", "email", "email_key", "phone"]
        staging.executemany(
            "INSERT INTO stage VALUES (?, ?, ?, ?, ?, ?)",
            zip(*(frame[column].tolist() for column in columns), strict=True),
        )
    staging.commit()
    return line - 2


def timed(label: str, work, *arguments):
    started = time.perf_counter()
    result = work(*arguments)
    print(f"{label:<44} {time.perf_counter() - started:7.2f} s  peak {peak_mb()} MB")
    return result


def main() -> None:
    path, customers = sys.argv[1], sys.argv[2]
    pa.set_memory_pool(pa.jemalloc_memory_pool())
    pa.jemalloc_set_decay_ms(0)
    print(f"{'start (pandas, pyarrow imported)':<44} {'':>9}  peak {peak_mb()} MB")
    with tempfile.TemporaryDirectory() as directory:
        staging = sqlite3.connect(Path(directory) / "stage.sqlite3")
        staging.execute("PRAGMA journal_mode=OFF")
        staging.execute("PRAGMA synchronous=OFF")
        staging.execute("PRAGMA cache_size=-20000")
        rows = timed("read in chunks -> staging table", stage, path, staging)
        duplicates = timed(
            "duplicate emails in the file (SQL)",
            lambda: staging.execute(
                "SELECT email_key, group_concat(line) FROM stage GROUP BY email_key "
                "HAVING count(*) > 1"
            ).fetchall(),
        )
        staging.execute(f"ATTACH DATABASE 'file:{customers}?mode=ro' AS app")

        def compare() -> tuple[int, int, int]:
            counts = [0, 0, 0]  # new, changed, unchanged
            cursor = staging.execute(
                "SELECT c.id IS NULL, c.name = s.name AND c.email = s.email AND "
                "c.phone = s.phone FROM stage AS s "
                "LEFT JOIN app.customers_customer AS c ON c.id = s.id"
            )
            while chunk := cursor.fetchmany(50_000):
                for new, same in chunk:
                    counts[0 if new else 2 if same else 1] += 1
            return tuple(counts)

        counts = timed("match by ID and compare (SQL join)", compare)
        print(
            f"{rows:,} rows; {len(duplicates)} duplicate emails; new/changed/"
            f"unchanged {counts}"
        )


if __name__ == "__main__":
    main()
