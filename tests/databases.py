"""What a subprocess needs to reach the test database."""

from __future__ import annotations

from pathlib import Path

from django.db import connection


def database_url() -> str:
    """The DATABASE_URL of the test database, for servers and commands run apart."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
