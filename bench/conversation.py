"""Inbound mail throughput and the ticket page with a long conversation.

1. Every message of the corpus (tests/files/mail) that is mail, with a fresh
   Message-ID each round, through ``tickets.inbound.receive_email`` (what
   ``manage.py receive_email`` calls): messages per second, half of them opening
   new tickets for new customers and half threading onto them. Also the command
   itself piped like Postfix does, which adds a Python start per message.
2. A ticket with 1,000 messages (replies, notes, customer mail, some files, field
   changes): median and p95 server time of its page through Django's test client.

Always a throwaway SQLite file (bench/out/conversation.sqlite3), or with
``--database-url`` a PostgreSQL database ``<name>_bench`` (created and dropped).

    .venv/bin/python bench/conversation.py [--rounds 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
CORPUS = BASE / "tests" / "files" / "mail"
TARGET_MSGS = 50.0
TARGET_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-command", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    url, drop = _database(args.database_url)
    media = tempfile.mkdtemp(prefix="cf-bench-media-")
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="customer_flow.settings",
        DEBUG="false",
        SECURE_HTTPS="false",
        SECRET_KEY="bench-only-" + "k" * 50,
        ALLOWED_HOSTS="testserver",
        MEDIA_ROOT=media,
        # The bench lead is signed in directly: no second factor to give.
        TWO_FACTOR_REQUIRED="false",
    )
    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        inbound_rate = _inbound(args.rounds)
        if not args.skip_command:
            _command(url, media)
        _ticket_page(args.messages, args.repeat)
    finally:
        from django.db import connections

        connections.close_all()
        drop()
    return 0 if inbound_rate >= TARGET_MSGS else 1


def _database(url: str) -> tuple[str, object]:
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        bench = f"{name}_bench"
        admin = f"{base}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{bench}"')
            conn.execute(f'CREATE DATABASE "{bench}"')

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{bench}" WITH (FORCE)')

        return f"{base}/{bench}", drop
    db = BASE / "bench" / "out" / "conversation.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    return f"sqlite:///{db}", lambda: None


def _corpus() -> list[bytes]:
    from customer_flow.lib.mail_parsing import MailRefused, parse_mail

    files = [*CORPUS.glob("*/*.eml"), *CORPUS.glob("cpython/msg_*.txt")]
    messages = []
    for path in sorted(files):
        raw = path.read_bytes()
        try:
            parse_mail(raw)
        except MailRefused:
            continue
        messages.append(re.sub(rb"(?im)^message-id:.*\r?\n", b"", raw, count=1))
    return messages


def _inbound(rounds: int) -> float:
    from tickets.inbound import receive_email
    from tickets.models import TicketType

    TicketType.objects.get_or_create(code="1", defaults={"name": "General"})
    messages = _corpus()
    timings = []
    for n in range(rounds):
        batch = [
            f"Message-ID: <bench.{n}.{i}@example.net>\r\n".encode() + raw
            for i, raw in enumerate(messages)
        ]
        started = time.perf_counter()
        for raw in batch:
            receive_email(raw)
        timings.append(len(batch) / (time.perf_counter() - started))
    rate = statistics.median(timings)
    verdict = "meets" if rate >= TARGET_MSGS else "MISSES"
    print(
        f"receive_email: {len(messages)} corpus messages x {rounds} rounds, "
        f"median {rate:.0f} msg/s (rounds {min(timings):.0f}-{max(timings):.0f}); "
        f"{verdict} the {TARGET_MSGS:.0f} msg/s target"
    )
    return rate


def _command(url: str, media: str) -> None:
    messages = _corpus()[:20]
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": media}
    started = time.perf_counter()
    for i, raw in enumerate(messages):
        subprocess.run(
            [sys.executable, str(BASE / "manage.py"), "receive_email"],
            input=f"Message-ID: <cmd.{i}@example.net>\r\n".encode() + raw,
            env=env,
            capture_output=True,
            check=True,
        )
    rate = len(messages) / (time.perf_counter() - started)
    print(
        f"manage.py receive_email as a pipe (one process per message, Django "
        f"start-up included): {rate:.1f} msg/s"
    )


def _ticket_page(count: int, repeat: int) -> None:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    from customers.models import Customer
    from tickets.models import Ticket, TicketComment, TicketType

    lead = User.objects.create_user("benchlead", password="x" * 20)
    lead.groups.set(Group.objects.filter(name__in=["Support staff", "Support leads"]))
    customer = Customer.objects.create(name="Long Talker", email="long@example.net")
    ticket = Ticket.objects.create(
        customer=customer, ticket_type=TicketType.objects.first(), subject="Long"
    )
    kinds = ["reply", "note", "inbound"]
    TicketComment.objects.bulk_create(
        TicketComment(
            ticket=ticket,
            author=None if n % 3 == 2 else lead,
            kind=kinds[n % 3],
            body=f"Message {n} with @benchlead and <b>text</b>\n\nsecond paragraph",
            send_state="sent" if n % 3 == 0 else "",
            from_address="long@example.net" if n % 3 == 2 else "",
        )
        for n in range(count)
    )
    for priority in (1, 2, 3, 4) * 10:
        ticket.priority = priority
        ticket.save()
    empty = Ticket.objects.create(
        customer=customer, ticket_type=ticket.ticket_type, subject="Empty"
    )
    client = Client()
    client.force_login(lead)
    floor = _time(client, empty.get_absolute_url(), "1", repeat)
    print(
        f"floor: the same page for a ticket with no messages: median "
        f"{floor[0]:.1f} ms, p95 {floor[1]:.1f} ms"
    )
    for page in ("1", "20"):
        median, p95 = _time(client, ticket.get_absolute_url(), page, repeat)
        verdict = "meets" if median < TARGET_MS else "MISSES"
        print(
            f"ticket page with {count:,} messages, timeline page {page}: median "
            f"{median:.1f} ms ({median / floor[0]:.1f}x the floor), p95 "
            f"{p95:.1f} ms; {verdict} the {TARGET_MS:.0f} ms target"
        )


def _time(client: object, url: str, page: str, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, {"page": page})  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times), sorted(times)[int(len(times) * 0.95) - 1]


if __name__ == "__main__":
    sys.exit(main())
