"""Scan large SQLite tables without mapping the database file into memory."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import connections


@contextlib.contextmanager
def unmapped(using: str = "default") -> Iterator[None]:
    """Turn SQLite's memory-mapped I/O off for the duration.

    The app maps up to 256 MB of the database file (settings.SQLITE_OPTIONS), which
    speeds up page reads for ordinary requests; an import or export that reads
    every row would map the whole table into the process. With mapping off, reads
    go through SQLite's page cache, which its cache_size bounds.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA mmap_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA mmap_size=0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size={previous}")
