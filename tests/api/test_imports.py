"""Imports over the API: upload -> preview rows -> apply -> undo, as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from customers.models import Customer, ImportBatch

URL = "/api/v1/imports/"
FILE = (
    "ID,Name,Email,Phone\n"
    "1,Ada Lovelace,ada@example.com,020 7946 0001\n"
    ",Cy,cy@example.com,\n"
    "x,Dee,not-an-email,\n"
)
VALID = "ID,Name,Email,Phone\n1,Ada Lovelace,ada@example.com,\n,Cy,cy@example.com,\n"


@pytest.fixture(autouse=True)
def jobs_run_at_once(settings, tmp_path):
    """The check and apply jobs run inside the request (as in
    tests/test_import_views.py); test_a_real_worker_checks_and_applies runs a
    worker process."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "imports"],
        }
    }


def upload(client: APIClient, content: str, **fields: str):
    file = SimpleUploadedFile("id.csv", content.encode())
    return client.post(URL, {"file": file, **fields}, format="multipart")


def test_only_the_import_permission_may_import(db, agent_api):
    assert APIClient().get(URL).status_code == 401
    assert agent_api.get(URL).status_code == 403
    assert upload(agent_api, VALID).status_code == 403


def test_preview_apply_undo(lead_api, lead):
    created = upload(lead_api, FILE, mode="skip_invalid")
    assert created.status_code == 202, created.json()
    assert created["Location"] == f"{URL}{created.json()['id']}/"
    batch = lead_api.get(created["Location"]).json()
    assert batch["job_state"] == "done"
    assert (batch["status"], batch["created"], batch["invalid"]) == (
        "previewed",
        2,
        1,
    )
    assert Customer.objects.count() == 0
    rows = lead_api.get(f"{URL}{batch['id']}/rows/", {"kind": "invalid"}).json()
    assert [row["line"] for row in rows["results"]] == [4]
    assert rows["results"][0]["problems"]
    rejected = lead_api.get(f"{URL}{batch['id']}/rejected/")
    assert b"not-an-email" in rejected.content
    applied = lead_api.post(f"{URL}{batch['id']}/apply/", {}, format="json")
    assert applied.status_code == 202, applied.json()
    assert applied.json()["status"] == "applied"
    assert Customer.objects.count() == 2
    undone = lead_api.post(f"{URL}{batch['id']}/undo/", {}, format="json")
    assert undone.status_code == 200, undone.json()
    assert undone.json()["status"] == "reverted"
    assert Customer.objects.count() == 0


def test_a_raw_csv_body_is_an_upload_too(lead_api):
    response = lead_api.generic(
        "POST", f"{URL}?file_name=shop.csv", VALID.encode(), content_type="text/csv"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["file_name"] == "shop.csv"
    assert response.json()["status"] == "previewed"


def test_an_all_or_nothing_file_with_invalid_rows_cannot_be_applied(lead_api):
    batch = upload(lead_api, FILE).json()
    response = lead_api.post(f"{URL}{batch['id']}/apply/", {}, format="json")
    assert response.status_code == 409
    assert "invalid row" in response.json()["detail"]
    assert Customer.objects.count() == 0


def test_discard_then_apply_is_refused(lead_api):
    batch = upload(lead_api, VALID).json()
    discarded = lead_api.post(f"{URL}{batch['id']}/discard/")
    assert discarded.json()["status"] == "discarded"
    again = lead_api.post(f"{URL}{batch['id']}/apply/", {}, format="json")
    assert again.status_code == 409


def test_a_file_refused_as_a_whole_says_why_and_can_be_checked_again(lead_api):
    batch = upload(lead_api, "Nothing,Useful\n1,2\n").json()
    assert batch["status"] == "refused"
    assert batch["failure"]
    again = lead_api.post(f"{URL}{batch['id']}/check/", {"encoding": "cp1252"})
    assert again.status_code == 202, again.json()
    assert again.json()["status"] == "refused"
    odd = lead_api.post(f"{URL}{batch['id']}/check/", {"encoding": "klingon"})
    assert odd.status_code == 400


def test_an_upload_without_a_file_names_the_field(lead_api):
    response = lead_api.post(URL, {"mode": "skip_invalid"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["file"]


def test_a_bad_mode_or_kind_is_a_400(lead_api):
    assert upload(lead_api, VALID, mode="sometimes").status_code == 400
    batch = upload(lead_api, VALID).json()
    rows = lead_api.get(f"{URL}{batch['id']}/rows/", {"kind": "odd"})
    assert rows.status_code == 400


def test_a_file_over_the_import_limit_is_a_clean_413(lead_api, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 100
    big = VALID + "".join(f"{n},N{n},n{n}@example.com,\n" for n in range(10, 40))
    assert upload(lead_api, big).status_code == 413
    raw = lead_api.generic("POST", URL, big.encode(), content_type="text/csv")
    assert raw.status_code == 413
    assert not ImportBatch.objects.exists()


def test_a_token_user_may_upload_more_than_an_anonymous_caller(lead_api, settings):
    # The body-limit middleware authenticates the Bearer token before the view:
    # without it, the token user would be capped as anonymous.
    settings.ANONYMOUS_BODY_MAX_BYTES = 200
    big = VALID + "".join(f"{n},N{n},n{n}@example.com,\n" for n in range(10, 40))
    assert len(big) > 200
    response = upload(lead_api, big)
    assert response.status_code == 202, response.content
    anonymous = APIClient().post(
        URL, {"file": SimpleUploadedFile("id.csv", big.encode())}, format="multipart"
    )
    assert anonymous.status_code == 413
