"""Background jobs that exist only for the tests of the jobs machinery."""

from __future__ import annotations

from django_tasks import task


@task()
def echo(text: str) -> str:
    return text.upper()
