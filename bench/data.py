"""Synthetic customer files for the benchmark: deterministic, realistic shapes.

Run by run.py as ``python bench/data.py ROWS DIRECTORY IMPORT_EXPORT_ROWS``, in
its own process, so the benchmark's parent process stays small (a child's peak
memory on Linux includes what it was forked from).
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

FIRST = ["Ada", "John", "Jane", "Émile", "Zoë", "Li", "Mohammed", "Olga", "Pat", "Sam"]
LAST = ["Doe", "Smith", "O'Brien", "Lovelace", "Müller", "Nguyen", "García", "Kowalski"]


def rows(count: int, seed: int = 3) -> list[tuple[int, str, str, str]]:
    rng = random.Random(seed)
    result = []
    for i in range(1, count + 1):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if i % 7 == 0:
            name += ", Jr."  # quoted in the file
        email = f"user{i}.{rng.randrange(10_000)}@example.com"
        if i % 5 == 0:
            phone = f"+44 20 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"
        elif i % 5 == 1:
            phone = ""
        else:
            phone = f"555-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
        result.append((i, name, email, phone))
    return result


def write(path: Path, data: list[tuple[int, str, str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["ID", "Name", "Email", "Phone"])
        writer.writerows(data)


def changed(data: list[tuple[int, str, str, str]]) -> list[tuple[int, str, str, str]]:
    """The same rows with every tenth one changed (its name, and every other
    one's phone too)."""
    result = []
    for i, name, email, phone in data:
        if i % 10 == 0:
            name = f"{name} (changed)"
            if i % 20 == 0:
                phone = "555-000-0000"
        result.append((i, name, email, phone))
    return result


if __name__ == "__main__":
    count, directory, ie_count = int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    data = rows(count)
    write(directory / "new.csv", data)
    write(directory / "changed.csv", changed(data))
    if ie_count:
        write(directory / "ie.csv", data[:ie_count])
