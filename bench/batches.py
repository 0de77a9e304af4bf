"""Time the import pages at 100,000 rows: preview, page through, apply, undo.

    .venv/bin/python bench/batches.py [--rows N] [--database-url URL]

Each step is one request through Django's test client, signed in as a support
lead, with production settings (DEBUG off): the full server time (middleware,
upload parsing, the importer, storing the rows, templates) without a network.
Two files: N new customers into an empty table, then the same N customers with
every name changed; each is previewed, paged through and applied, then both
are undone (N restored, then N removed). Prints seconds per step.

The database is a throwaway SQLite file in a temporary directory, or the
PostgreSQL database named by --database-url / DATABASE_URL, which must hold no
customers (the script removes what it wrote when done).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="cf-bench-batches-")
    url = args.database_url
    if not (url and url.startswith(("postgres://", "postgresql://"))):
        url = f"sqlite:///{Path(workdir.name) / 'bench.sqlite3'}"
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="customer_flow.settings",
        DEBUG="false",
        SECURE_HTTPS="false",
        SECRET_KEY="bench-only-" + "k" * 50,
        ALLOWED_HOSTS="testserver",
    )
    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from customers.models import Customer

    if Customer.objects.exists():
        parser.error("the database already holds customers; use an empty one")
    print(f"{args.rows:,} rows on {url.split(':')[0]}")
    try:
        client = _client()
        new = _file(args.rows, changed_every=0)
        _scenario(client, "new customers", new)
        _scenario(client, "every row changed", _file(args.rows, changed_every=1))
    finally:
        _clean_up()
    return 0


def _client():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    lead, _ = get_user_model().objects.get_or_create(username="bench-lead")
    lead.groups.set(Group.objects.filter(name__in=["Support staff", "Support leads"]))
    client = Client()
    client.force_login(lead)
    return client


def _file(rows: int, *, changed_every: int) -> bytes:
    lines = ["ID,Name,Email,Phone"]
    for i in range(1, rows + 1):
        name = f"Customer {i}"
        if changed_every and i % changed_every == 0:
            name += " (changed)"
        lines.append(f"{i},{name},customer{i}@example.com,555-{i:07d}")
    return ("\n".join(lines) + "\n").encode()


def _timed(label: str, call):
    started = time.perf_counter()
    response = call()
    seconds = time.perf_counter() - started
    print(f"  {label:<34} {seconds:7.2f} s   (HTTP {response.status_code})")
    assert response.status_code in (200, 302), response.content[:500]
    return response


def _scenario(client, label: str, content: bytes) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from customers.models import ImportBatch

    print(f"{label} ({len(content) / 1e6:.1f} MB):")
    _timed(
        "upload and preview",
        lambda: client.post(
            reverse("customers:import"),
            {
                "mode": "all_or_nothing",
                "file": SimpleUploadedFile("bench.csv", content, "text/csv"),
            },
        ),
    )
    batch = ImportBatch.objects.latest("id")
    url = batch.get_absolute_url()
    _timed("preview page, first page", lambda: client.get(url))
    last = (batch.count_of("") + 49) // 50
    _timed("preview page, last page", lambda: client.get(url, {"page": last}))
    _timed("preview page, changed rows", lambda: client.get(url, {"kind": "changed"}))
    _timed(
        "apply",
        lambda: client.post(reverse("customers:batch_apply", args=[batch.pk])),
    )
    batch.refresh_from_db()
    assert batch.status == "applied", batch.status
    _timed("batches page", lambda: client.get(reverse("customers:batches")))
    if "changed" in label:
        revert = reverse("customers:batch_revert", args=[batch.pk])
        _timed("undo: confirmation page", lambda: client.get(revert))
        _timed("undo", lambda: client.post(revert))
        batch.refresh_from_db()
        assert batch.status == "reverted", batch.status
        previous = ImportBatch.objects.filter(pk__lt=batch.pk).latest("id")
        revert = reverse("customers:batch_revert", args=[previous.pk])
        _timed("undo the first import too", lambda: client.post(revert))


def _clean_up() -> None:
    from django.contrib.auth import get_user_model

    from customers.models import Customer, ImportBatch, ImportBatchRow

    ImportBatchRow.objects.all().delete()
    Customer.history.all().delete()
    Customer.objects.all().delete()
    ImportBatch.objects.all().delete()
    get_user_model().objects.filter(username="bench-lead").delete()


if __name__ == "__main__":
    sys.exit(main())
