"""Signed-in support staff for Locust (run by bench/loadtest.py, `make loadtest`).

The mix of the earlier hand-written generator: browse the customer list, search,
open customers and tickets, edit customers and tickets, comment. Each simulated
person is ``load<N>``, signed in beforehand by the runner (its session cookie is
in ``--sessions-file``), and edits only their own customers and tickets, so
every acknowledged write (a redirect after the POST) must be in the database
afterwards: they are written to ``--acks-file`` for the runner to check.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
from html.parser import HTMLParser
from typing import Any

from locust import HttpUser, constant, events, task

CUSTOMERS_PER_USER = 20
TICKETS_PER_USER = 10
SEARCHES = ["ann", "smi", "john", "mar", "@example", "555", "12"]

_numbers = itertools.count()
_acks: list[dict[str, Any]] = []
_acks_lock = threading.Lock()


class FormParser(HTMLParser):
    """The fields of the form whose action is ``action`` (or the page itself)."""

    def __init__(self, action: str, page: str) -> None:
        super().__init__()
        self.action, self.page = action, page
        self.inside = False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = self.action == (a.get("action") or self.page)
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button"):
                self.fields[a["name"] or ""] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.fields:
                self.fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name") or ""
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def _ack(kind: str, pk: int, value: str) -> None:
    with _acks_lock:
        _acks.append({"kind": kind, "pk": pk, "value": value})


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    parser.add_argument("--sessions-file", required=True, help="session cookies")
    parser.add_argument("--acks-file", required=True, help="acknowledged writes")
    parser.add_argument("--seed-customers", type=int, default=20_000)
    parser.add_argument("--seed-tickets", type=int, default=5_000)


@events.test_stop.add_listener
def _write_acks(environment: Any, **_: Any) -> None:
    with open(environment.parsed_options.acks_file, "w", encoding="utf-8") as file:
        json.dump(_acks, file)


class Staff(HttpUser):
    wait_time = constant(0)  # a closed loop, as fast as the server answers

    def on_start(self) -> None:
        self.number = next(_numbers)
        self.random = random.Random(self.number)
        first = 1 + self.number * CUSTOMERS_PER_USER
        self.own_customers = list(range(first, first + CUSTOMERS_PER_USER))
        first = 1 + self.number * TICKETS_PER_USER
        self.own_tickets = list(range(first, first + TICKETS_PER_USER))
        self.edits = 0
        options = self.environment.parsed_options
        self.seed_customers, self.seed_tickets = (
            options.seed_customers,
            options.seed_tickets,
        )
        with open(options.sessions_file, encoding="utf-8") as file:
            session = json.load(file)[self.number]
        host = self.client.base_url.split("://")[1].split(":")[0]
        self.client.cookies.set("sessionid", session, domain=host)

    def form(self, page: str, action: str, *, name: str) -> dict[str, str]:
        response = self.client.get(page, name=name)
        parser = FormParser(action, page)
        parser.feed(response.text)
        return parser.fields

    def post(self, path: str, data: dict[str, str], *, name: str) -> Any:
        url = self.client.base_url + path
        return self.client.post(
            path,
            data=data,
            name=name,
            allow_redirects=False,
            headers={"Referer": url},
        )

    @task(30)
    def customer_list(self) -> None:
        page = self.random.choice([1, 1, 1, 2, 3])
        self.client.get(f"/customers/?page={page}", name="/customers/?page=N")

    @task(20)
    def search(self) -> None:
        term = self.random.choice(SEARCHES)
        self.client.get(f"/customers/?q={term}", name="/customers/?q=...")

    def get_allowing_404(self, path: str, *, name: str) -> None:
        """A GET where 404 is an answer (a gap in the seeded IDs), not an error."""
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code == 404:
                response.success()

    @task(15)
    def customer_detail(self) -> None:
        pk = self.random.randint(1, self.seed_customers)
        self.get_allowing_404(f"/customers/{pk}/", name="/customers/ID/")

    @task(10)
    def ticket_queue(self) -> None:
        path = self.random.choice(["/tickets/", "/tickets/?assignee=mine", "/"])
        self.client.get(path, name=re.sub(r"\?.*", "?...", path))

    @task(10)
    def ticket_detail(self) -> None:
        pk = self.random.randint(1, self.seed_tickets)
        self.get_allowing_404(f"/tickets/{pk}/", name="/tickets/ID/")

    @task(7)
    def edit_customer(self) -> None:
        pk = self.random.choice(self.own_customers)
        path = f"/customers/{pk}/edit/"
        fields = self.form(path, path, name="/customers/ID/edit/")
        self.edits += 1
        fields["name"] = f"Load {self.number} edit {self.edits}"
        if self.post(path, fields, name="/customers/ID/edit/").status_code == 302:
            _ack("customer_name", pk, fields["name"])

    @task(4)
    def edit_ticket(self) -> None:
        pk = self.random.choice(self.own_tickets)
        action = f"/tickets/{pk}/change/"
        fields = self.form(f"/tickets/{pk}/", action, name="/tickets/ID/")
        fields["priority"] = self.random.choice(["1", "2", "3", "4"])
        response = self.post(action, fields, name="/tickets/ID/change/")
        if response.status_code == 302:
            _ack("ticket_priority", pk, fields["priority"])

    @task(4)
    def comment(self) -> None:
        pk = self.random.choice(self.own_tickets)
        fields = self.form(
            f"/tickets/{pk}/", f"/tickets/{pk}/comment/", name="/tickets/ID/"
        )
        self.edits += 1
        fields["body"] = f"Load comment {self.number}-{self.edits}"
        action = f"/tickets/{pk}/comment/"
        response = self.post(action, fields, name="/tickets/ID/comment/")
        if response.status_code == 302:
            _ack("comment", pk, fields["body"])
