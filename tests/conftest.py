"""Personas and small factories shared by the whole suite."""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client, override_settings

from customer_flow import two_factor
from customer_flow.serving import running_workers, worker_command
from customers.models import Customer
from tests.databases import database_url
from tickets.models import Ticket, TicketType

_sequence = itertools.count(1)


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    # Most tests sign someone in; at Django's 1,000,000 PBKDF2 iterations each new
    # user costs a third of a second. The password rules tested are unchanged.
    with override_settings(PASSWORD_HASHERS=["tests.hashers.FastPBKDF2PasswordHasher"]):
        yield


def _make_user(username: str, *groups: str, **extra) -> object:
    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "correct horse battery staple", **extra
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def agent(db):
    """Support staff: views, adds and changes customers and tickets."""
    return _make_user("agent", "Support staff")


@pytest.fixture
def lead(db):
    """A support lead: support staff plus archive, import and export."""
    return _make_user("lead", "Support staff", "Support leads")


@pytest.fixture
def outsider(db):
    """Signed in, but with no permission at all."""
    return _make_user("outsider")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def make_customer(db) -> Callable[..., Customer]:
    def make(**overrides) -> Customer:
        n = next(_sequence)
        fields = {"name": f"Customer {n}", "email": f"customer{n}@example.com"}
        fields.update(overrides)
        return Customer.objects.create(**fields)

    return make


@pytest.fixture
def make_ticket_type(db) -> Callable[..., TicketType]:
    def make(**overrides) -> TicketType:
        n = next(_sequence)
        fields = {"code": str(100 + n), "name": f"Type {n}"}
        fields.update(overrides)
        return TicketType.objects.create(**fields)

    return make


@pytest.fixture
def make_ticket(db, make_customer, make_ticket_type) -> Callable[..., Ticket]:
    def make(**overrides) -> Ticket:
        fields = {"subject": "Printer on fire"}
        fields.update(overrides)
        fields.setdefault("customer", make_customer())
        fields.setdefault("ticket_type", make_ticket_type())
        return Ticket.objects.create(**fields)

    return make


@pytest.fixture
def ada_and_bob(make_customer):
    """Customers 1 (Ada, with a phone) and 2 (Bob, without), as the import tests'
    files expect."""
    make_customer(id=1, name="Ada", email="ada@example.com", phone="020 7946 0001")
    make_customer(id=2, name="Bob", email="bob@example.com", phone="")


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client


@pytest.fixture
def run_tasks(transactional_db) -> Callable[[], str]:
    """Run a real worker process until every enqueued background job is done;
    returns what it printed."""

    def run() -> str:
        done = subprocess.run(
            worker_command("--queue-name", "*", batch=True),
            env={**os.environ, "DATABASE_URL": database_url()},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    return run


@pytest.fixture
def task_workers(transactional_db) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The background workers of `make run`, running for the whole test."""
    with running_workers(env={**os.environ, "DATABASE_URL": database_url()}) as workers:
        yield workers


@pytest.fixture(autouse=True)
def _force_login_passes_both_factors(monkeypatch):
    """``client.force_login(user)`` means signed in, second factor included, as
    for every persona; tests/test_two_factor.py signs in step by step instead."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[two_factor.SESSION_KEY] = two_factor.DONE
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that commits (transactional) is followed by a flush, which empties the
    # tables that migrations filled (groups and their permissions) and re-creates
    # content types under new IDs. Restoring the migrated data after every such
    # test keeps the tests after it independent of the order they run in.
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        names = getattr(item, "fixturenames", ())
        committing = kwargs.get("transaction") or {
            "transactional_db",
            "live_server",
        } & set(names)
        if committing and "serialized_rollback" not in kwargs:
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Lets fixtures see whether the test failed (the browser saves a screenshot).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def mail_server(settings, monkeypatch) -> Iterator[object]:
    """A real SMTP server on a free port; the app (and any worker process this
    test starts) sends through it."""
    from tests.mailserver import MailServer

    server = MailServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    monkeypatch.setenv("EMAIL_URL", f"smtp://127.0.0.1:{server.port}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def support_groups(transactional_db) -> None:
    """The groups the migrations make, made again: a transactional test runs
    after other such tests have flushed every table, groups included."""
    import importlib

    from django.contrib.auth.models import Permission

    for module in (
        "0002_support_groups",
        "0006_conversation_permissions",
        "0011_share_views_permission",
    ):
        migration = importlib.import_module(f"tickets.migrations.{module}")
        for name, codenames in migration.GROUPS.items():
            group, _ = Group.objects.get_or_create(name=name)
            for entry in codenames:
                app, codename = (
                    entry if isinstance(entry, tuple) else ("tickets", entry)
                )
                group.permissions.add(
                    Permission.objects.get(
                        content_type__app_label=app, codename=codename
                    )
                )


@pytest.fixture
def make_user_with(db) -> Callable[..., object]:
    """A user with exactly the given tickets permissions."""
    from django.contrib.auth.models import Permission

    def make(*codenames: str) -> object:
        user = _make_user(f"user{next(_sequence)}")
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="tickets", codename__in=codenames
            )
        )
        return user

    return make
