"""REST API timings for bench/web.py (``make bench-web``): the same database and
the same way of timing (Django's test client, no network), with a Bearer token.

Page 10,000 is reached with the cursor a client holds after 9,999 pages of 100
(built directly: walking there would time 9,999 other requests).
"""

from __future__ import annotations

import base64
import itertools
import json
import statistics
import time

TARGET_MS = 30.0
PAGE = 100
_emails = itertools.count()


def _cursor_after(position: int) -> str:
    """The API's cursor for "after ID ``position``" (ordering by ID; see
    customer_flow/api/pagination.py)."""
    payload = json.dumps({"v": [position], "b": False})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def _calls(customer_id: int, page_10000_after: int) -> list[tuple[str, str, str]]:
    base = "/api/v1/customers/"
    cursor = _cursor_after(page_10000_after)
    return [
        ("API: list 100 customers", "GET", f"{base}?page_size={PAGE}"),
        (
            "API: page 10,000 by cursor",
            "GET",
            f"{base}?page_size={PAGE}&cursor={cursor}",
        ),
        ("API: search 'mar'", "GET", f"{base}?q=mar&page_size={PAGE}"),
        ("API: retrieve", "GET", f"{base}{customer_id}/"),
        ("API: create", "POST", base),
    ]


def measure(user, repeat: int) -> list[tuple[str, float, float]]:
    """(label, median ms, p95 ms) per API call."""
    from rest_framework.test import APIClient

    from customer_flow.api.tokens import token_create
    from customers.models import Customer

    _token, secret = token_create(user=user, name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    ids = Customer.objects.order_by("id").values_list("id", flat=True)
    after = ids[PAGE * 9_999 - 1] if ids.count() >= PAGE * 10_000 else ids.last()
    rows = []
    for label, method, url in _calls(ids.first(), after):
        timings = []
        for n in range(repeat + 3):
            started = time.perf_counter()
            if method == "POST":
                email = f"bench-api-{time.time_ns()}-{next(_emails)}@example.com"
                body = {"name": "Bench Customer", "email": email}
                response = client.post(url, body, format="json")
            else:
                response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code in (200, 201), (url, response.status_code)
            if n >= 3:  # the first three warm caches and the connection
                timings.append(elapsed)
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        rows.append((label, statistics.median(timings), p95))
    return rows


def report(rows: list[tuple[str, float, float]]) -> None:
    width = max(len(row[0]) for row in rows)
    print(f"\n{'API call':<{width}}  median ms  p95 ms  < {TARGET_MS:.0f} ms")
    for label, median, p95 in rows:
        ok = "yes" if median < TARGET_MS else "NO"
        print(f"{label:<{width}}  {median:9.1f}  {p95:6.1f}  {ok}")
