"""An API import in a real worker process, as in production: 202, then poll."""

from __future__ import annotations

import pytest

from customers.models import Customer, ImportBatch

URL = "/api/v1/imports/"


@pytest.mark.slow
def test_a_worker_checks_then_applies_an_api_upload(bearer, lead, run_tasks):
    api = bearer(lead)
    body = b"ID,Name,Email\n,Ada,ada@example.com\n"
    queued = api.generic("POST", URL, body, content_type="text/csv")
    assert queued.status_code == 202
    assert queued.json()["status"] == "checking"
    assert queued.json()["job_state"] == "queued"
    run_tasks()
    batch = api.get(queued["Location"]).json()
    assert (batch["status"], batch["job_state"], batch["created"]) == (
        "previewed",
        "done",
        1,
    )
    applying = api.post(f"{URL}{batch['id']}/apply/", {}, format="json")
    assert applying.status_code == 202
    assert applying.json()["job"] == "apply"
    run_tasks()
    assert ImportBatch.objects.get().status == ImportBatch.Status.APPLIED
    assert Customer.objects.get().name == "Ada"
