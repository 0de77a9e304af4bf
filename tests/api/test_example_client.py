"""The Python client of docs/api.md, run as written against a live server:
create a customer, import with preview -> apply -> undo, page through customers."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from customer_flow.api.tokens import token_create
from customers.models import Customer, ImportBatch


def _example() -> str:
    text = (settings.BASE_DIR / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 1
    return blocks[0]


@pytest.mark.slow
def test_the_documented_client_runs(live_server, task_workers, lead):
    _token, secret = token_create(user=lead, name="example")
    scope = {"BASE": live_server.url, "TOKEN": secret}
    exec(compile(_example(), "docs/api.md", "exec"), scope)  # noqa: S102
    assert scope["applied"]["status"] == "applied"
    assert scope["undone"]["status"] == "reverted"
    assert scope["names"] == ["Ada"]
    assert list(Customer.objects.values_list("name", flat=True)) == ["Ada"]
    assert ImportBatch.objects.get().status == ImportBatch.Status.REVERTED
