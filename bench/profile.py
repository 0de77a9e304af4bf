"""Where the server's CPU goes: py-spy's raw (collapsed) stacks, by part.

    python bench/profile.py /tmp/cf-load-xxxx/profile.txt

Each sample is counted once, under the first part (in the order below) that any
of its frames belongs to, so the shares add up to 100 %.
"""

from __future__ import annotations

import sys
from collections import Counter

# Part name, and what a frame's file path contains for it; first match wins.
PARTS = [
    ("templates", ("django/template/", "django/templatetags/", "/templatetags/")),
    ("database (ORM, driver)", ("django/db/", "sqlite3", "psycopg")),
    ("forms", ("django/forms/",)),
    (
        "sessions, auth, 2FA",
        ("contrib/sessions", "contrib/auth", "django_otp", "axes/"),
    ),
    ("other middleware", ("middleware",)),
    ("URL routing", ("django/urls/",)),
    ("gunicorn (HTTP, sockets)", ("gunicorn/",)),
    ("our code", ("customers/", "tickets/", "customer_flow/")),
]


# Leaf frames of threads that wait rather than work.
IDLE = (
    "select (selectors.py",
    "accept (socket.py",
    "_worker (concurrent/futures/thread.py",
    "wait (threading.py",
    "wait_for_signals (gunicorn/arbiter.py",
)


def part(stack: str) -> str:
    for name, markers in PARTS:
        if any(marker in stack for marker in markers):
            return name
    return "other (Python, Django core)"


def main(path: str) -> None:
    shares: Counter[str] = Counter()
    total = 0
    with open(path, encoding="utf-8") as file:
        for line in file:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit() or "(idle)" in stack:
                continue
            # A thread waiting for work, a socket or the GIL is not using the CPU.
            leaf = stack.rpartition(";")[2]
            if any(wait in leaf for wait in IDLE):
                continue
            shares[part(stack)] += int(count)
            total += int(count)
    for name, samples in shares.most_common():
        print(f"{name:32} {100 * samples / total:5.1f} %")
    print(f"{'samples':32} {total}")


if __name__ == "__main__":
    main(sys.argv[1])
