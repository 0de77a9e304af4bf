from __future__ import annotations

import subprocess
import sys

from django.conf import settings
from django.db import connection
from django.db.utils import ConnectionHandler


def test_sqlite_connections_use_wal_and_wait_for_the_write_lock(db, tmp_path):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "tuned.sqlite3"),
                "OPTIONS": settings.SQLITE_OPTIONS,
            }
        }
    )
    connection = handler["default"]
    try:
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert connection.transaction_mode == "IMMEDIATE"
    finally:
        handler.close_all()


def test_requests_are_not_wrapped_in_one_transaction():
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is False


def _settings_under(env: dict[str, str]) -> str:
    """The default database's engine and name, as ``_settings_value`` reads them."""
    return _settings_value(
        "DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME']", env
    )


def test_database_url_selects_postgresql_or_another_sqlite_file():
    assert (
        _settings_under({"DATABASE_URL": "postgres://u:p@db.internal:5432/flow"})
        == "django.db.backends.postgresql flow"
    )
    assert _settings_under({"DATABASE_URL": "sqlite:////tmp/other.sqlite3"}) == (
        "django.db.backends.sqlite3 /tmp/other.sqlite3"
    )
    assert _settings_under({}) == (
        f"django.db.backends.sqlite3 {settings.BASE_DIR / 'db.sqlite3'}"
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    assert "SECRET_KEY must be set" in _settings_under({"DEBUG": "false"})


def _settings_value(name: str, env: dict[str, str]) -> str:
    """``settings.<name>`` as a fresh process with only ``env`` reads it (its
    error when the settings refuse ``env``)."""
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'customer_flow.settings';"
        f"from django.conf import settings; print(settings.{name})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    return result.stdout.strip() or result.stderr


def test_postgresql_connections_run_without_jit(db):
    options = _settings_value(
        "DATABASES['default']['OPTIONS']['options']",
        {"DATABASE_URL": "postgres://u:p@db.internal:5432/flow"},
    )
    assert options == "-c jit=off"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
