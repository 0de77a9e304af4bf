"""Server time of the staff pages at a million customers, on SQLite.

Seeds a throwaway SQLite file (bench/out/web.sqlite3, never db.sqlite3) with
1,000,000 customers, 1,000,000 tickets and 3,000,000 messages through
``seed_demo``, signs a user in,
and times each page through Django's test client: the full request (middleware,
session, permissions, queries, template) without a network. Prints median and p95
per page, the SQL query count, and whether the median is under the 50 ms target;
then the REST API's calls (bench/api.py, 30 ms target).

    .venv/bin/python bench/web.py                  # seed (about a minute), measure
    .venv/bin/python bench/web.py --reuse          # measure an existing bench db
    .venv/bin/python bench/web.py --reuse --no-stats   # ... without ANALYZE stats
    .venv/bin/python bench/web.py --customers 100000 --tickets 100000 --messages 300000
    .venv/bin/python bench/web.py --reuse --customer-pages   # search and duplicates
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
TARGET_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=3_000_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per page")
    parser.add_argument("--reuse", action="store_true", help="keep a seeded db")
    parser.add_argument("--db", default=str(BASE / "bench" / "out" / "web.sqlite3"))
    parser.add_argument(
        "--database-url",
        help="measure on this database instead: a new, empty PostgreSQL one "
        "(postgres://postgres@127.0.0.1:5432/cf_bench_web); --reuse keeps its data",
    )
    parser.add_argument(
        "--no-stats",
        action="store_true",
        help="drop the planner statistics first (as after a bulk import without "
        "ANALYZE) to show the pages do not depend on them",
    )
    parser.add_argument(
        "--customer-pages",
        action="store_true",
        help="time only the customer pages (search, duplicates), not the ticket "
        "pages, the API and the bulk change",
    )
    args = parser.parse_args()

    db = Path(args.db).resolve()
    if db.name.startswith("db.sqlite3"):
        parser.error("refusing to use the development database")
    db.parent.mkdir(parents=True, exist_ok=True)
    if not args.reuse:
        for leftover in db.parent.glob(db.name + "*"):
            leftover.unlink()

    # Production-like settings: DEBUG off (no query log, cached templates).
    os.environ.update(
        DATABASE_URL=args.database_url or f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="customer_flow.settings",
        DEBUG="false",
        # The bench lead signs in without an authenticator (timing, not security).
        TWO_FACTOR_REQUIRED="false",
        SECURE_HTTPS="false",
        SECRET_KEY="bench-only-" + "k" * 50,
        ALLOWED_HOSTS="testserver",
    )
    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off
    user = _users()
    from customers.models import Customer

    if not (args.reuse and Customer.objects.exists()):
        started = time.perf_counter()
        call_command(
            "seed_demo",
            customers=args.customers,
            tickets=args.tickets,
            messages=args.messages,
            verbosity=0,
        )
        print(
            f"Seeded {args.customers:,} customers, {args.tickets:,} tickets and "
            f"{args.messages:,} messages in {time.perf_counter() - started:.1f} s "
            f"into {db}"
        )
    if args.no_stats:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
            cursor.execute("DROP TABLE IF EXISTS sqlite_stat4")
        connection.close()
        print("Planner statistics dropped.")
    _measure(user, args.repeat, customers_only=args.customer_pages)
    if args.customer_pages:
        return 0
    from bench import api

    api.report(api.measure(user, args.repeat))
    _bulk(user)
    return 0


def _bulk(user, count: int = 10_000) -> None:
    """Bulk changes of ``count`` tickets (the queue's "all matching"), timed: a
    priority (SLA due times recomputed) and an assignment (one notification)."""
    from django.contrib.auth import get_user_model

    from tickets import bulk
    from tickets.models import Ticket

    agent = get_user_model().objects.get(username="bench-agent-0")
    for action, field, value, shown in (
        ("priority", "priority", 4, "Urgent"),
        ("assign", "assignee", agent.pk, agent.username),
    ):
        ids = list(
            Ticket.objects.exclude(**{field: value}).values_list("pk", flat=True)[
                :count
            ]
        )
        started = time.perf_counter()
        operation = bulk.bulk_apply(
            selection=bulk.select(ids, loaded_at=None),
            action=action,
            value=value,
            shown=shown,
            user=user,
        )
        seconds = time.perf_counter() - started
        print(
            f"\nBulk {action} of {len(ids):,} tickets (with SLA due times, history "
            f"rows, notifications): {operation.changed:,} changed in {seconds:.2f} s"
        )


def _users():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    lead, created = User.objects.get_or_create(username="bench-lead")
    if created:
        roles = ["Support staff", "Support leads"]
        lead.groups.set(Group.objects.filter(name__in=roles))
        staff = Group.objects.get(name="Support staff")
        for n in range(20):  # seeded tickets are assigned among these
            User.objects.create(username=f"bench-agent-{n}").groups.add(staff)
    return lead


def _pages() -> list[tuple[str, str, dict]]:
    from customers.models import Customer
    from tickets.models import Ticket

    busy = Ticket.objects.order_by("-created_at").values_list("customer_id", flat=True)[
        0
    ]
    customer = Customer.objects.get(pk=busy)
    ticket = Ticket.objects.open().filter(customer=customer).first() or (
        Ticket.objects.order_by("-pk").first()
    )
    surname = customer.name.split()[-1][:4]
    middle, third = _longer_names()
    last4 = customer.phone_key[-4:] or "0100"
    kind = ticket.ticket_type_id
    htmx = {"HTTP_HX_REQUEST": "true"}
    return [
        ("dashboard", "/", {}),
        ("customer list", "/customers/", {}),
        ("customer list, sorted by name", "/customers/?sort=name", {}),
        ("customer list, page 20", "/customers/?page=20", {}),
        ("customer list, archived", "/customers/?status=archived", {}),
        ("search name prefix 'mar' (htmx)", "/customers/?q=mar", htmx),
        ("search name prefix 'mar'", "/customers/?q=mar", {}),
        ("search full name", f"/customers/?q={customer.name}", {}),
        (f"search surname '{surname}'", f"/customers/?q={surname}", {}),
        ("search email", f"/customers/?q={customer.email}", {}),
        ("search ID", f"/customers/?q={customer.pk}", {}),
        ("search phone digits '555'", "/customers/?q=555", {}),
        (f"search phone last four '{last4}'", f"/customers/?q={last4}", {}),
        (
            f"search surname in capitals '{surname.upper()}'",
            f"/customers/?q={surname.upper()}",
            {},
        ),
        ("search 'JIMENEZ' (stored Jiménez)", "/customers/?q=JIMENEZ", {}),
        ("search 'norgaard' (stored Nørgaard)", "/customers/?q=norgaard", {}),
        ("search first and last name", "/customers/?q=mary+jimenez", {}),
        ("search email domain '@example.fr'", "/customers/?q=@example.fr", {}),
        ("search a typo 'jhonsonn'", "/customers/?q=jhonsonn", {}),
        ("search the middle of a word 'ailey'", "/customers/?q=ailey", {}),
        ("search the middle of a word 'obins'", "/customers/?q=obins", {}),
        (f"search a middle name '{middle}'", f"/customers/?q={middle}", {}),
        (f"search a third word '{third}'", f"/customers/?q={third}", {}),
        ("search 10,000 characters", "/customers/?q=" + "x%25_" * 2500, {}),
        ("possible duplicates", "/customers/duplicates/", {}),
        ("merge page, two customers", f"/customers/merge/?ids={customer.pk}&ids=1", {}),
        ("search 'mar' among archived", "/customers/?q=mar&status=archived", {}),
        ("customer detail", f"/customers/{customer.pk}/", {}),
        ("ticket queue", "/tickets/", {}),
        ("ticket queue, mine", "/tickets/?assignee=me", {}),
        ("ticket queue, unassigned", "/tickets/?assignee=none", {}),
        ("ticket queue, one type", f"/tickets/?ticket_type={kind}", {}),
        ("ticket queue, any status", "/tickets/?status=all", {}),
        *_queue_pages(),
        ("ticket search 'printer'", "/tickets/?q=printer", {}),
        ("ticket search 'cafe refund' (accents)", "/tickets/?q=cafe+refund", {}),
        ("ticket search, a rare word", "/tickets/?q=jalapeno+voucher+router", {}),
        ("ticket search, a word in no message", "/tickets/?q=zanzibar", {}),
        (
            "ticket search, five common words",
            "/tickets/?q=jalapeno+voucher+router+cafe+tablet",
            {},
        ),
        ("ticket search, a word's start 'print*'", "/tickets/?q=print*", {}),
        ("header search '#N' (redirect)", f"/customers/?q=%23{ticket.pk}", {}),
        ("ticket detail", f"/tickets/{ticket.pk}/", {}),
    ]


def _longer_names() -> tuple[str, str]:
    """A few customers with three and four words in their names (the seed's have
    two), saved as people save them; returns a middle word and a third word."""
    from customers.models import Customer

    if not Customer.objects.filter(email__startswith="bench-long-").exists():
        for n in range(20):
            Customer.objects.create(
                name=f"Mary Quinn Ortega {n}", email=f"bench-long-{n}@example.com"
            )
            Customer.objects.create(
                name=f"Ana María Quintero López {n}",
                email=f"bench-long-4-{n}@example.com",
            )
    return "quinn", "quintero"


def _queue_pages() -> list[tuple[str, str, dict]]:
    """Every built-in view and every sort, both ways, of the open queue."""
    from tickets.queue import SORTS
    from tickets.saved_views import BUILT_IN

    pages = [(f"view: {view.name}", f"/tickets/?{view.query}", {}) for view in BUILT_IN]
    for key in SORTS:
        for sort in (key, "-" + key):
            pages.append((f"queue sorted by {sort}", f"/tickets/?sort={sort}", {}))
    return pages


def _measure(user, repeat: int, *, customers_only: bool = False) -> None:
    from django.db import connection
    from django.test import Client

    from customer_flow import two_factor

    client = Client()
    client.force_login(user)
    # Signed in with both factors, as a lead is after the code page.
    session = client.session
    session[two_factor.SESSION_KEY] = two_factor.DONE
    session.save()
    rows = []
    for label, url, headers in _pages():
        if customers_only and not url.startswith("/customers/"):
            continue
        for _ in range(3):  # warm caches and the connection
            response = client.get(url, **headers)
            expected = 302 if "redirect" in label else 200
            assert response.status_code == expected, (url, response.status_code)
        # Count the SQL of one request (the query log is reset per request).
        sql: list[str] = []

        def counted(execute, query, *args, sql=sql):
            sql.append(query)
            return execute(query, *args)

        with connection.execute_wrapper(counted):
            client.get(url, **headers)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(url, **headers)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        rows.append((label, statistics.median(timings), p95, len(sql)))

    width = max(len(row[0]) for row in rows)
    print(f"\n{'page':<{width}}  median ms  p95 ms  queries  < {TARGET_MS:.0f} ms")
    for label, median, p95, count in rows:
        ok = "yes" if median < TARGET_MS else "NO"
        print(f"{label:<{width}}  {median:9.1f}  {p95:6.1f}  {count:7d}  {ok}")


if __name__ == "__main__":
    sys.exit(main())
