"""Imports over the API: upload -> preview rows -> apply -> undo, as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from customers.models import ColumnMapping, Customer, ImportBatch

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


def test_a_large_undo_is_a_job_as_on_the_pages_and_refused_at_once_over_changes(
    lead_api, make_customer, settings
):
    settings.IMPORT_UNDO_JOB_ROWS = 1
    make_customer(id=1, name="Ada", email="ada@example.com")
    batch = upload(lead_api, VALID).json()
    lead_api.post(f"{URL}{batch['id']}/apply/", {}, format="json")
    ada = Customer.objects.get(pk=1)
    ada.name = "Ada King"
    ada.save()

    refused = lead_api.post(f"{URL}{batch['id']}/undo/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["conflicts"] == [
        {"id": 1, "name": "Ada King", "removed": False}
    ]
    undone = lead_api.post(f"{URL}{batch['id']}/undo/", {"force": True}, format="json")
    assert undone.status_code == 202, undone.json()
    assert undone["Location"] == f"{URL}{batch['id']}/"
    body = undone.json()  # the job ran inside the request (immediate backend)
    assert (body["job"], body["job_state"], body["status"]) == (
        "revert",
        "done",
        "reverted",
    )
    assert "later changes to 1 customer overwritten" in body["outcome"]
    assert Customer.objects.get(pk=1).name == "Ada"


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


# A contacts export whose headers are not ID, Name, Email (issue 10, section 5).
OTHER = "Customer ID;Full name;E-mail address;Telephone\n1;Ada;a@x.io;555 0100 200\n"
COLUMNS = "ID=Customer ID,Name=Full name,Email=E-mail address,Phone=Telephone"
MAPPED = {
    "id": "Customer ID",
    "name": "Full name",
    "email": "E-mail address",
    "phone": "Telephone",
}


def test_an_upload_takes_the_commands_columns_mapping(lead_api):
    created = upload(lead_api, OTHER, columns=COLUMNS)
    assert created.status_code == 202, created.json()
    batch = created.json()
    assert (batch["status"], batch["created"]) == ("previewed", 1)
    assert ImportBatch.objects.get().columns == MAPPED
    assert not Customer.objects.exists()
    lead_api.post(f"{URL}{batch['id']}/apply/", {}, format="json")
    assert list(Customer.objects.values_list("id", "name", "email")) == [
        (1, "Ada", "a@x.io")
    ]


def test_a_raw_body_takes_the_mapping_in_the_query_string(lead_api):
    response = lead_api.generic(
        "POST", f"{URL}?columns={COLUMNS}", OTHER.encode(), content_type="text/csv"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "previewed"
    assert ImportBatch.objects.get().columns == MAPPED


def test_a_bad_mapping_is_a_400_with_the_commands_message_and_keeps_nothing(
    lead_api,
):
    response = upload(lead_api, OTHER, columns="ID=Customer ID,Nme=Full name")
    assert response.status_code == 400
    assert response.json() == {
        "columns": [
            '"Nme=Full name" is not FIELD=HEADER: write e.g. "ID=Customer ID,'
            'Name=Full name,Email=E-mail address,Phone=Telephone" (fields: ID, '
            "Name, Email, Phone)."
        ]
    }
    assert not ImportBatch.objects.exists()
    assert not Customer.objects.exists()


def test_a_file_refused_for_its_header_is_mapped_checked_again_and_remembered(
    lead_api, lead
):
    batch = upload(lead_api, OTHER).json()
    assert batch["status"] == "refused"
    assert "Missing columns ID, Name, Email" in batch["failure"]
    mapped = lead_api.post(
        f"{URL}{batch['id']}/columns/", {"columns": COLUMNS}, format="json"
    )
    assert mapped.status_code == 202, mapped.json()
    assert (mapped.json()["status"], mapped.json()["created"]) == ("previewed", 1)
    remembered = ColumnMapping.objects.get()
    assert (remembered.columns, remembered.saved_by) == (MAPPED, lead)
    assert not Customer.objects.exists()

    # The next file with these headers needs no mapping.
    again = upload(lead_api, OTHER.replace("Ada", "Ada L")).json()
    assert again["status"] == "previewed"
    # A batch that is not waiting for its columns: 409.
    late = lead_api.post(
        f"{URL}{batch['id']}/columns/", {"columns": COLUMNS}, format="json"
    )
    assert late.status_code == 409
    assert late.json() == {
        "detail": f"Import #{batch['id']} is not waiting for its columns."
    }


def test_a_mapping_naming_a_column_not_in_the_file_is_a_400_and_not_remembered(
    lead_api, agent_api
):
    batch = upload(lead_api, OTHER).json()
    url = f"{URL}{batch['id']}/columns/"
    wrong = lead_api.post(url, {"columns": "Name=Full name,Email=Mail"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json() == {
        "columns": [
            'The column "Mail" given for Email is not in the file (its columns: '
            "Customer ID, Full name, E-mail address, Telephone)."
        ]
    }
    empty = lead_api.post(url, {}, format="json")
    assert empty.status_code == 400 and "Send the mapping as text" in str(empty.json())
    assert agent_api.post(url, {"columns": COLUMNS}, format="json").status_code == 403
    assert not ColumnMapping.objects.exists()
    assert ImportBatch.objects.get().status == "refused"
    assert not Customer.objects.exists()
