"""The import pages: upload, preview, apply, discard, rejected rows, undo."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from customers.models import Customer, ImportBatch

HEADER = "ID,Name,Email,Phone\n"
FILES = Path(__file__).parent / "files"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def jobs_run_at_once(settings, tmp_path):
    """The check and the apply jobs run inside the request (Django's immediate
    backend); tests/test_import_jobs.py runs them in a real worker process."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "imports"],
        }
    }


def upload(
    client, content: bytes | str, *, mode="all_or_nothing", name="id.csv", **extra
):
    if isinstance(content, str):
        content = content.encode()
    return client.post(
        reverse("customers:import"),
        {
            "mode": mode,
            "encoding": "",
            "file": SimpleUploadedFile(name, content),
            **extra,
        },
    )


def preview(client, content, **options) -> ImportBatch:
    response = upload(client, content, **options)
    assert response.status_code == 302, response.content.decode()
    batch = ImportBatch.objects.latest("id")
    assert response.url == batch.get_absolute_url()
    return batch


FILE = (
    HEADER
    + "1,Ada Lovelace,ada@example.com,020 7946 0001\n"
    + "2,Bob,bob@example.com,\n"
    + ",Cy,cy@example.com,\n"
    + "x,Dee,not-an-email,\n"
)


def test_the_upload_page_offers_both_modes_and_names_the_limit(lead_client):
    response = lead_client.get(reverse("customers:import"))
    assert response.status_code == 200
    assert "Import nothing (all or nothing)" in response.text
    assert "Import the valid rows only" in response.text
    assert "2.0\xa0GB" in response.text and "import_customers" in response.text
    assert "checked in the background" in response.text


def test_leads_find_the_import_page_from_the_customer_list_and_the_menu(
    lead_client, agent
):
    page = lead_client.get(reverse("customers:list")).text
    assert f'href="{reverse("customers:import")}"' in page
    assert f'href="{reverse("customers:batches")}"' in page
    lead_client.force_login(agent)
    page = lead_client.get(reverse("customers:list")).text
    assert reverse("customers:import") not in page
    assert reverse("customers:batches") not in page


def test_an_upload_is_previewed_with_every_change_and_writes_nothing(
    lead_client, ada_and_bob
):
    before = list(Customer.objects.values_list("id", "name", "version"))
    batch = preview(lead_client, FILE, mode="skip_invalid")
    assert list(Customer.objects.values_list("id", "name", "version")) == before

    page = lead_client.get(batch.get_absolute_url()).text
    assert "Previewed" in page
    for label, count in [("All", 4), ("New", 1), ("Changed", 1), ("Unchanged", 1)]:
        assert f'{label} <span class="count-badge">{count}</span>' in page
    assert "Name: <del>Ada</del> → <ins>Ada Lovelace</ins>" in page
    assert "next free ID" in page
    assert "line 5, column ID: The ID must be a whole number such as 42." in page
    assert "line 5, column Email: Enter a valid email address" in page
    assert f'action="/customers/imports/{batch.pk}/apply/"' in page


def test_the_row_table_is_paginated_and_filtered_by_kind(
    lead_client, django_assert_max_num_queries
):
    rows = [f"{i},Customer {i},c{i}@example.com," for i in range(1, 121)]
    rows += ["x,Bad,bad,"] * 3
    batch = preview(lead_client, HEADER + "\n".join(rows) + "\n", mode="skip_invalid")
    url = batch.get_absolute_url()

    with django_assert_max_num_queries(13):
        first = lead_client.get(url)
    assert first.text.count('<tr class="row-new">') == 50
    assert 'href="?page=3"' in first.text

    last = lead_client.get(url, {"page": 3})
    assert last.text.count('<tr class="row-') == 23

    invalid = lead_client.get(url, {"kind": "invalid"})
    assert invalid.text.count('<tr class="row-invalid">') == 3
    assert 'class="row-new"' not in invalid.text

    unknown = lead_client.get(url, {"kind": "nonsense", "page": "999"})
    assert unknown.status_code == 200
    assert unknown.text.count('<tr class="row-') == 23  # the last page of all


def test_apply_writes_the_preview_and_says_so(lead_client, lead, ada_and_bob):
    batch = preview(lead_client, FILE, mode="skip_invalid")
    response = lead_client.post(reverse("customers:batch_apply", args=[batch.pk]))
    assert response.status_code == 302
    page = lead_client.get(response.url).text
    assert (
        f"Import #{batch.pk} is being applied: 1 to create, 1 to update. This page "
        "shows how far it got." in page
    )
    assert "Undo this import" in page
    assert Customer.objects.get(pk=1).name == "Ada Lovelace"
    assert Customer.objects.get(pk=3).name == "Cy"
    batch.refresh_from_db()
    assert (batch.status, batch.applied_by) == ("applied", lead)


def test_apply_after_a_concurrent_edit_refuses_and_asks_for_a_new_preview(
    lead_client, ada_and_bob
):
    batch = preview(lead_client, FILE, mode="skip_invalid")
    ada = Customer.objects.get(pk=1)
    ada.name = "Countess"
    ada.save()
    response = lead_client.post(
        reverse("customers:batch_apply", args=[batch.pk]), follow=True
    )
    assert "Customers changed since this preview, so nothing was written" in (
        response.text
    )
    assert "Out of date" in response.text
    assert Customer.objects.get(pk=1).name == "Countess"
    assert not Customer.objects.filter(pk=3).exists()


def test_an_all_or_nothing_file_with_invalid_rows_offers_no_apply(
    lead_client, ada_and_bob
):
    batch = preview(lead_client, FILE)
    page = lead_client.get(batch.get_absolute_url()).text
    assert "Nothing can be imported from this file" in page
    assert "apply/" not in page
    response = lead_client.post(
        reverse("customers:batch_apply", args=[batch.pk]), follow=True
    )
    assert "was uploaded as all or nothing" in response.text
    assert Customer.objects.get(pk=1).name == "Ada"


def test_a_file_applied_before_needs_the_confirmation_box(lead_client, db):
    text = HEADER + "5,Eve,eve@example.com,\n"
    first = preview(lead_client, text)
    lead_client.post(reverse("customers:batch_apply", args=[first.pk]))
    Customer.objects.filter(pk=5).delete()

    again = preview(lead_client, text)
    page = lead_client.get(again.get_absolute_url()).text
    assert (
        f'This file was already imported as <a href="/customers/imports/{first.pk}/">'
        in page
    )
    assert 'name="again"' in page
    response = lead_client.post(
        reverse("customers:batch_apply", args=[again.pk]), follow=True
    )
    assert "Confirm that it should be imported again." in response.text
    assert not Customer.objects.filter(pk=5).exists()

    lead_client.post(reverse("customers:batch_apply", args=[again.pk]), {"again": "on"})
    assert Customer.objects.filter(pk=5).exists()


def test_discard_drops_the_preview(lead_client, ada_and_bob):
    batch = preview(lead_client, FILE, mode="skip_invalid")
    response = lead_client.post(
        reverse("customers:batch_discard", args=[batch.pk]), follow=True
    )
    assert f"Preview #{batch.pk} discarded; nothing was imported." in response.text
    page = lead_client.get(batch.get_absolute_url()).text
    assert "This preview was discarded" in page
    assert "Apply" not in page
    assert Customer.objects.get(pk=1).name == "Ada"


def test_rejected_rows_download_as_csv_with_line_and_error(lead_client, db):
    batch = preview(
        lead_client, HEADER + "1,Ada,ada@example.com,\n2,=HYPERLINK(1),bad,\n"
    )
    response = lead_client.get(reverse("customers:batch_rejected", args=[batch.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="rejected-rows-import-{batch.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["ID", "Name", "Email", "Phone", "line", "error"],
        [
            "2",
            "'=HYPERLINK(1)",
            "bad",
            "",
            "3",
            "Email: Enter a valid email address, like name@example.com.",
        ],
    ]


def test_the_batches_page_lists_every_import_with_counts_status_and_who(
    lead_client, lead, django_assert_max_num_queries, tmp_path
):
    from django.core.management import call_command

    path = tmp_path / "cli.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n")
    call_command("import_customers", str(path), stdout=io.StringIO())
    preview(lead_client, HEADER + "2,Bob,bob@example.com,\n", name="web.csv")
    with django_assert_max_num_queries(9):
        page = lead_client.get(reverse("customers:batches")).text
    assert "web.csv" in page and "cli.csv" in page
    assert "Previewed" in page and "Applied" in page
    assert "<td>lead</td>" in page and "<td>system</td>" in page


def test_undo_asks_for_confirmation_then_gives_back_the_values(
    lead_client, lead, ada_and_bob
):
    batch = preview(lead_client, FILE, mode="skip_invalid")
    lead_client.post(reverse("customers:batch_apply", args=[batch.pk]))
    url = reverse("customers:batch_revert", args=[batch.pk])

    confirm = lead_client.get(url)
    assert confirm.status_code == 200
    assert "the 1 customer it created is removed" in confirm.text
    assert Customer.objects.get(pk=1).name == "Ada Lovelace"

    response = lead_client.post(url, follow=True)
    assert f"Import #{batch.pk} reverted: 1 created customers removed" in response.text
    assert "Reverted" in response.text
    assert Customer.objects.get(pk=1).name == "Ada"
    assert not Customer.objects.filter(pk=3).exists()

    again = lead_client.post(url)
    assert again.status_code == 409
    assert "was already reverted" in again.text


def test_undo_lists_customers_changed_since_and_needs_the_box(lead_client, ada_and_bob):
    batch = preview(lead_client, FILE, mode="skip_invalid")
    lead_client.post(reverse("customers:batch_apply", args=[batch.pk]))
    ada = Customer.objects.get(pk=1)
    ada.name = SCRIPT
    ada.save()
    url = reverse("customers:batch_revert", args=[batch.pk])

    confirm = lead_client.get(url).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in confirm and SCRIPT not in confirm
    assert 'name="force"' in confirm
    refused = lead_client.post(url)
    assert refused.status_code == 409
    assert "1 customer was changed after it: #1 &lt;script&gt;" in refused.text
    assert Customer.objects.get(pk=1).name == SCRIPT

    lead_client.post(url, {"force": "on"})
    assert Customer.objects.get(pk=1).name == "Ada"


def test_customer_data_in_previews_and_diffs_is_shown_as_text(
    lead_client, make_customer
):
    make_customer(id=1, name="Ada", email="ada@example.com")
    batch = preview(
        lead_client,
        HEADER + f'1,"{SCRIPT}",ada@example.com,\n2,"{SCRIPT}",x,\n',
        mode="skip_invalid",
        name=f"{SCRIPT}.csv",
    )
    for url in (
        batch.get_absolute_url(),
        reverse("customers:batches"),
        reverse("customers:batch_revert", args=[batch.pk]),
    ):
        page = lead_client.get(url).text
        assert SCRIPT not in page, url
    page = lead_client.get(batch.get_absolute_url()).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Bad uploads ---------------------------------------------------------------------


def test_a_50_mb_binary_upload_gets_the_form_back_with_an_explanation(
    lead_client, monkeypatch
):
    from django.core.files import uploadhandler

    stored = []
    store = uploadhandler.TemporaryFileUploadHandler.receive_data_chunk

    def counted(self, raw_data, start):
        stored.append(len(raw_data))
        return store(self, raw_data, start)

    monkeypatch.setattr(
        uploadhandler.TemporaryFileUploadHandler, "receive_data_chunk", counted
    )
    monkeypatch.setattr(django_settings, "IMPORT_UPLOAD_MAX_BYTES", 20 * 2**20)
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (50 * 4096)
    assert len(content) > 50 * 1024 * 1024
    response = upload(lead_client, content, name="huge.csv")
    assert sum(stored) == 0  # read and dropped, never written to a file
    assert response.status_code == 413
    assert "This file is larger than 20.0\xa0MB" in response.text
    assert "import_customers management" in response.text
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_limit_is_refused_while_it_is_read(lead_client, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 1000
    response = upload(lead_client, HEADER + "1,Ada,ada@example.com,\n" * 100)
    assert response.status_code == 413
    assert "This file is larger than" in response.text
    assert not ImportBatch.objects.exists()


def test_binary_content_is_recognised_whatever_the_name(lead_client):
    response = upload(
        lead_client, (FILES / "workbook.xlsx").read_bytes(), name="id.csv"
    )
    assert response.status_code == 302
    page = lead_client.get(response.url).text
    assert "This file was refused; nothing was imported." in page
    assert "line 1: This is a zip file such as an Excel workbook (.xlsx)" in page
    assert ImportBatch.objects.get().status == "refused"
    assert not ImportBatch.objects.get().rows.exists()


def test_a_file_in_another_encoding_preselects_it_and_checks_again_in_one_click(
    lead_client,
):
    content = (HEADER + "1,Zoë,zoe@example.com,\n").encode("cp1252")
    batch = preview(lead_client, content)
    page = lead_client.get(batch.get_absolute_url()).text
    assert "line 2: This file is not UTF-8" in page
    assert "it looks like Windows-1252: pick its encoding below" in page
    assert "--encoding" not in page
    assert '<option value="cp1252" selected>' in page

    response = lead_client.post(
        reverse("customers:batch_check_again", args=[batch.pk]), {"encoding": "cp1252"}
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.encoding) == ("previewed", "cp1252")
    assert batch.rows.get().name == "Zoë"
    assert "This file was refused" not in lead_client.get(response.url).text


def test_an_upload_without_a_file_says_so(lead_client):
    response = lead_client.post(reverse("customers:import"), {"mode": "all_or_nothing"})
    assert response.status_code == 200
    assert "This field is required." in response.text


# Permissions ------------------------------------------------------------------

PAGES = [
    ("customers:import", False),
    ("customers:batches", False),
    ("customers:batch", True),
    ("customers:batch_apply", True),
    ("customers:batch_discard", True),
    ("customers:batch_rejected", True),
    ("customers:batch_revert", True),
]


@pytest.mark.parametrize(("name", "takes_pk"), PAGES, ids=[n for n, _ in PAGES])
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_without_the_import_permission_get_403(
    agent_client, name, takes_pk, method
):
    batch = ImportBatch.objects.create(file_size=0, sha256="0" * 64)
    url = reverse(name, args=[batch.pk] if takes_pk else [])
    response = getattr(agent_client, method)(url)
    assert response.status_code == 403
    assert "You don't have access to this page" in response.text


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.post(reverse("customers:import"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "name", ["customers:import", "customers:batch_apply", "customers:batch_revert"]
)
def test_the_posts_need_the_csrf_token(lead, name, ada_and_bob):
    batch = ImportBatch.objects.create(file_size=0, sha256="0" * 64)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    url = reverse(name, args=[] if name == "customers:import" else [batch.pk])
    response = client.post(url, {"mode": "all_or_nothing"})
    assert response.status_code == 403
    assert "This form has expired" in response.text


def test_the_pages_that_only_show_batches_do_not_load_pyarrow():
    # pyarrow costs every server process memory; only importing needs it.
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import customers.import_views; print('pyarrow' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "customer_flow.settings"},
    )
    assert done.stdout.strip() == "False", done.stderr


def test_a_command_import_counts_its_unchanged_rows_without_listing_them(
    lead_client, make_customer, tmp_path
):
    from django.core.management import call_command

    make_customer(id=1, name="Ada", email="ada@example.com")
    path = tmp_path / "id.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n2,Bob,bob@example.com,\n")
    call_command("import_customers", str(path), stdout=io.StringIO())
    batch = ImportBatch.objects.get()
    page = lead_client.get(batch.get_absolute_url(), {"kind": "unchanged"}).text
    assert 'Unchanged <span class="count-badge">1</span>' in page
    assert "Unchanged rows are counted but not listed" in page
    assert "No rows here." in page


# Background jobs on the page, and the preview's rough edges --------------------


def test_a_file_applied_before_with_nothing_to_write_says_so_once(lead_client, db):
    text = HEADER + "5,Eve,eve@example.com,\n"
    first = preview(lead_client, text)
    lead_client.post(reverse("customers:batch_apply", args=[first.pk]))

    again = preview(lead_client, text)
    page = lead_client.get(again.get_absolute_url()).text
    assert page.count("already imported") == 1
    assert "Importing it again would change nothing" in page
    assert "would write these changes again" not in page
    assert 'name="again"' not in page
    assert list(Customer.objects.values_list("pk", "name")) == [(5, "Eve")]


def test_a_file_applied_before_tells_the_true_counts(lead_client, ada_and_bob):
    text = HEADER + "5,Eve,eve@example.com,\n1,Ada,ada@example.com,020 7946 0001\n"
    first = preview(lead_client, text)
    lead_client.post(reverse("customers:batch_apply", args=[first.pk]))
    Customer.objects.filter(pk=5).delete()

    again = preview(lead_client, text)
    page = lead_client.get(again.get_absolute_url()).text
    assert page.count("already imported") == 1
    assert "Importing it again would create 1 and update 0 customers" in page
    response = lead_client.post(
        reverse("customers:batch_apply", args=[again.pk]), follow=True
    )
    assert "Confirm that it should be imported again." in response.text
    assert not Customer.objects.filter(pk=5).exists()


def test_invalid_rows_show_their_name_and_email(lead_client, ada_and_bob):
    batch = preview(lead_client, FILE)
    page = lead_client.get(batch.get_absolute_url(), {"kind": "invalid"}).text
    assert '<span class="row-values">Dee · not-an-email</span>' in page
    assert Customer.objects.count() == 2
    assert not Customer.objects.filter(name="Dee").exists()


def test_the_mode_switches_without_a_new_upload(lead_client, ada_and_bob):
    batch = preview(lead_client, FILE)
    assert "Nothing can be imported from this file" in (
        lead_client.get(batch.get_absolute_url()).text
    )
    url = reverse("customers:batch_mode", args=[batch.pk])
    page = lead_client.post(url, {"mode": "skip_invalid"}, follow=True).text
    assert "Apply this import?" in page
    assert ImportBatch.objects.count() == 1
    lead_client.post(reverse("customers:batch_apply", args=[batch.pk]))
    assert Customer.objects.get(pk=3).name == "Cy"

    refused = lead_client.post(url, {"mode": "all_or_nothing"}, follow=True).text
    assert "is not a preview: its mode can no longer change" in refused
    batch.refresh_from_db()
    assert batch.mode == "skip_invalid"


def test_the_progress_box_reloads_the_page_once_the_job_is_done(
    lead_client, ada_and_bob
):
    batch = preview(lead_client, FILE)
    url = reverse("customers:batch_progress", args=[batch.pk])
    response = lead_client.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    assert lead_client.get(url).url == batch.get_absolute_url()  # not a page

    ImportBatch.objects.filter(pk=batch.pk).update(
        job="apply", job_state="queued", phase=""
    )
    page = lead_client.get(batch.get_absolute_url()).text
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 1s"' in page
    assert "Waiting for a worker" in page
    assert '<meta http-equiv="refresh" content="5">' in page  # without JavaScript
    assert "Apply this import?" not in page
    response = lead_client.get(url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in response


def test_a_running_job_shows_phase_rows_rate_and_time_left(lead_client, ada_and_bob):
    from datetime import timedelta

    from django.utils import timezone

    batch = preview(lead_client, FILE)
    now = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(
        job="apply",
        job_state="running",
        phase="validating",
        rows_done=1000,
        rows_total=3000,
        phase_started_at=now - timedelta(seconds=10),
        heartbeat_at=now,
    )
    page = lead_client.get(batch.get_absolute_url()).text
    assert "Checking the values" in page
    assert '<span class="progress-rows">1000</span> of 3000 rows' in page
    assert "100 rows a second · about 20 s left in this step" in page
    assert '<progress max="100" value="33">' in page


def test_a_job_whose_worker_stopped_says_what_to_do(lead_client, ada_and_bob, settings):
    from datetime import timedelta

    from django.utils import timezone

    batch = preview(lead_client, FILE, mode="skip_invalid")
    settings.IMPORT_JOB_STALLED_AFTER = 60
    ImportBatch.objects.filter(pk=batch.pk).update(
        job="apply",
        job_state="running",
        phase="writing",
        heartbeat_at=timezone.now() - timedelta(minutes=5),
    )
    page = lead_client.get(batch.get_absolute_url()).text
    assert "The worker applying this import stopped before it finished" in page
    assert "Nothing was written" in page
    assert f'action="/customers/imports/{batch.pk}/apply/"' in page
    lead_client.post(reverse("customers:batch_apply", args=[batch.pk]))
    assert Customer.objects.get(pk=3).name == "Cy"


def test_an_upload_streams_to_a_file_never_into_memory(lead_client, monkeypatch):
    from django.core.files import uploadhandler

    seen: dict[str, int] = {"memory": 0, "disk": 0}
    for name, handler in [
        ("memory", uploadhandler.MemoryFileUploadHandler),
        ("disk", uploadhandler.TemporaryFileUploadHandler),
    ]:
        original = handler.receive_data_chunk

        def counted(self, raw_data, start, name=name, original=original):
            seen[name] += len(raw_data)
            return original(self, raw_data, start)

        monkeypatch.setattr(handler, "receive_data_chunk", counted)
    content = (HEADER + "1,Ada,ada@example.com,\n").encode()
    batch = preview(lead_client, content)
    assert seen == {"memory": 0, "disk": len(content)}
    stored = Path(django_settings.MEDIA_ROOT) / batch.upload
    assert stored.read_bytes() == content  # kept for the job (and a new check)


def test_the_preview_flags_new_rows_that_look_like_existing_customers(
    lead_client, make_customer
):
    ada = make_customer(name="Ada Lovelace", email="ada@example.com", phone="")
    bob = make_customer(name="Bob", email="bob@example.com", phone="020 7946 0001")
    batch = preview(
        lead_client,
        HEADER
        + ",ADA LOVELACE,ada@elsewhere.example,\n"
        + ",Robert,robert@example.com,(020) 7946-0001\n"
        + ",Cy,cy@example.com,\n",
    )
    page = lead_client.get(batch.get_absolute_url()).text
    assert "2 new rows on this page look like existing customers" in page
    assert f'Looks like <a href="/customers/{ada.pk}/">#{ada.pk} Ada Lovelace</a>' in (
        page
    )
    assert f"#{bob.pk} Bob</a>" in page
    assert page.count('class="look-alike"') == 2

    lead_client.post(reverse("customers:batch_apply", args=[batch.pk]))
    assert "look like existing" not in lead_client.get(batch.get_absolute_url()).text
