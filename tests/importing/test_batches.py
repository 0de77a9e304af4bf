from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from customers.importing import batches, checking, pipeline
from customers.importing.batches import AlreadyImported, BatchRefused
from customers.importing.pipeline import import_customers
from customers.importing.report import (
    write_batch_rejected_rows,
    write_rejected_rows,
)
from customers.models import Customer, ImportBatch, ImportBatchRow

HEADER = "ID,Name,Email,Phone\n"
Kind = ImportBatchRow.Kind


def customers() -> list[tuple]:
    return list(
        Customer.objects.order_by("id").values_list(
            "id", "name", "email", "phone", "archived_at", "version"
        )
    )


def preview(text: str, *, user=None, skip_invalid: bool = False, name="id.csv"):
    return pipeline.preview_import(
        io.BytesIO(text.encode()),
        user=user,
        skip_invalid=skip_invalid,
        file_name=name,
    )


def rows(batch: ImportBatch) -> list[tuple]:
    return list(
        batch.rows.order_by("line").values_list(
            "line", "kind", "customer_id", "name", "email", "phone", "old_name"
        )
    )


FILE = (
    HEADER
    + "1,Ada Lovelace,ada@example.com,020 7946 0001\n"
    + "2,Bob,bob@example.com,\n"
    + ",Cy,cy@example.com,\n"
    + "7,Dee,dee@example.com,555 0100 200\n"
    + "x,Bad,not-an-email,\n"
)


def test_a_preview_stores_every_row_of_the_file_and_writes_no_customer(
    ada_and_bob, lead
):
    before = customers()
    report, batch = preview(FILE, user=lead, skip_invalid=True)
    assert report.summary() == "would be 2 created, 1 updated, 1 unchanged, 1 invalid"
    assert customers() == before
    assert (batch.status, batch.created_by, batch.file_name) == (
        "previewed",
        lead,
        "id.csv",
    )
    assert (batch.created, batch.updated, batch.unchanged, batch.invalid) == (
        2,
        1,
        1,
        1,
    )
    assert rows(batch) == [
        (2, "changed", 1, "Ada Lovelace", "ada@example.com", "020 7946 0001", "Ada"),
        (3, "unchanged", 2, "", "", "", ""),
        (4, "new", None, "Cy", "cy@example.com", "", ""),
        (5, "new", 7, "Dee", "dee@example.com", "555 0100 200", ""),
        (6, "invalid", None, "", "", "", ""),
    ]
    invalid = batch.rows.get(kind=Kind.INVALID)
    assert invalid.values == ["x", "Bad", "not-an-email", ""]
    assert [str(error) for error in invalid.errors()] == [
        str(error) for error in report.errors
    ]


def test_apply_writes_exactly_the_previewed_changes(ada_and_bob, lead):
    _, batch = preview(FILE, user=lead, skip_invalid=True)
    batches.apply_batch(batch=batch, user=lead)

    assert customers()[:2] == [
        (1, "Ada Lovelace", "ada@example.com", "020 7946 0001", None, 2),
        (2, "Bob", "bob@example.com", "", None, 1),
    ]
    assert [c[:4] for c in customers()[2:]] == [
        (7, "Dee", "dee@example.com", "555 0100 200"),
        (8, "Cy", "cy@example.com", ""),
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.applied_by) == ("applied", lead)
    assert batch.applied_at is not None
    # The new row without ID now names the customer it created.
    assert batch.rows.get(line=4).customer_id == 8
    history = Customer.history.filter(import_batch=batch)
    assert sorted(history.values_list("id", "history_type", "history_user")) == [
        (1, "~", lead.pk),
        (7, "+", lead.pk),
        (8, "+", lead.pk),
    ]


def test_apply_does_not_read_the_file_again(ada_and_bob, lead, monkeypatch):
    _, batch = preview(FILE, user=lead, skip_invalid=True)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was parsed a second time")

    monkeypatch.setattr(checking, "read_chunks", no_reading)
    monkeypatch.setattr(checking, "validate_chunk", no_reading)
    batches.apply_batch(batch=batch, user=lead)
    assert Customer.objects.count() == 4


def test_apply_after_a_concurrent_edit_refuses_and_writes_nothing(ada_and_bob, lead):
    _, batch = preview(FILE, user=lead, skip_invalid=True)
    ada = Customer.objects.get(pk=1)
    ada.phone = "020 7946 0999"
    ada.save()
    before = customers(), Customer.history.count()

    with pytest.raises(BatchRefused, match="Customers changed since this preview"):
        batches.apply_batch(batch=batch, user=lead)
    assert (customers(), Customer.history.count()) == before
    batch.refresh_from_db()
    assert batch.status == "outdated"
    with pytest.raises(BatchRefused, match="only a preview can be applied"):
        batches.apply_batch(batch=batch, user=lead)


def test_apply_refuses_when_a_new_customer_took_a_previewed_email(ada_and_bob, lead):
    _, batch = preview(FILE, user=lead, skip_invalid=True)
    Customer.objects.create(id=50, name="Early", email="dee@example.com")
    before = customers()
    with pytest.raises(BatchRefused, match="Upload the file again"):
        batches.apply_batch(batch=batch, user=lead)
    assert customers() == before


def test_an_all_or_nothing_preview_with_invalid_rows_cannot_be_applied(
    ada_and_bob, lead
):
    _, batch = preview(FILE, user=lead, skip_invalid=False)
    assert batch.is_refused and not batch.can_apply
    before = customers()
    with pytest.raises(BatchRefused, match="1 invalid row and was uploaded as all"):
        batches.apply_batch(batch=batch, user=lead)
    assert customers() == before


def test_a_batch_is_applied_only_once(ada_and_bob, lead):
    _, batch = preview(FILE, user=lead, skip_invalid=True)
    batches.apply_batch(batch=batch, user=lead)
    after = customers()
    with pytest.raises(BatchRefused, match="is applied: only a preview"):
        batches.apply_batch(batch=batch, user=lead)
    assert customers() == after


def test_the_same_file_applied_before_needs_a_confirmation(ada_and_bob, lead):
    text = HEADER + "9,Nine,nine@example.com,\n"
    _, first = preview(text, user=lead)
    batches.apply_batch(batch=first, user=lead)
    Customer.objects.filter(pk=9).delete()

    report, again = preview(text, user=lead)
    assert f"already imported as batch #{first.pk}" in report.warnings[0]
    assert again.duplicate() == first
    with pytest.raises(AlreadyImported, match=f"batch #{first.pk}"):
        batches.apply_batch(batch=again, user=lead)
    assert not Customer.objects.filter(pk=9).exists()

    batches.apply_batch(batch=again, user=lead, force=True)
    assert Customer.objects.filter(pk=9).exists()


def test_discarding_drops_the_rows_and_the_preview_cannot_be_applied(ada_and_bob, lead):
    _, batch = preview(FILE, user=lead, skip_invalid=True)
    batch.discard()
    batch.refresh_from_db()
    assert batch.status == "discarded"
    assert not batch.rows.exists()
    with pytest.raises(BatchRefused):
        batches.apply_batch(batch=batch, user=lead)
    with pytest.raises(BatchRefused, match="only a preview can be discarded"):
        batch.discard()


def test_an_incomplete_preview_is_refused(ada_and_bob, lead):
    _, batch = preview(FILE, user=lead, skip_invalid=True)
    batch.rows.filter(kind=Kind.NEW).first().delete()
    before = customers()
    with pytest.raises(BatchRefused, match="incomplete"):
        batches.apply_batch(batch=batch, user=lead)
    assert customers() == before


def test_a_batch_still_being_recorded_cannot_be_applied(ada_and_bob, lead):
    _, batch = preview(FILE, user=lead, skip_invalid=True)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RECORDING)
    before = customers()
    with pytest.raises(BatchRefused, match="being recorded"):
        batches.apply_batch(batch=batch, user=lead)
    assert customers() == before


def test_a_batch_left_half_recorded_for_an_hour_is_swept_by_the_next_import(
    ada_and_bob, lead
):
    _, stale = preview(FILE, user=lead, skip_invalid=True)
    _, fresh = preview(FILE, user=lead, skip_invalid=True)
    recording = ImportBatch.Status.RECORDING
    ImportBatch.objects.filter(pk=stale.pk).update(
        status=recording, created_at=timezone.now() - timedelta(hours=2)
    )
    ImportBatch.objects.filter(pk=fresh.pk).update(status=recording)
    _, latest = preview(FILE, user=lead, skip_invalid=True)
    assert latest.status == ImportBatch.Status.PREVIEWED
    assert not ImportBatch.objects.filter(pk=stale.pk).exists()
    assert not ImportBatchRow.objects.filter(batch_id=stale.pk).exists()
    assert ImportBatch.objects.get(pk=fresh.pk).status == recording


def test_a_file_refused_as_a_whole_makes_no_batch(db):
    report, batch = pipeline.preview_import(
        io.BytesIO(b"PK\x03\x04 a workbook"),
        user=None,
        skip_invalid=False,
        file_name="id.xlsx",
    )
    assert batch is None
    assert "Excel workbook" in str(report.errors[0])
    assert not ImportBatch.objects.exists()


def test_rejected_rows_download_is_the_commands_report(ada_and_bob, lead):
    text = (
        HEADER
        + "1,Ada,ada@example.com,\n"
        + '2,"=cmd|x",bad,5.55E+09\n'
        + "3,Cy,cy@example.com,555 0100 200,extra\n"
        + ",,,555 0100 201\n"
    )
    report = import_customers(io.BytesIO(text.encode()), dry_run=True)
    expected = io.StringIO()
    write_rejected_rows(report, expected)

    _, batch = preview(text, user=lead, skip_invalid=True)
    stored = io.StringIO()
    assert write_batch_rejected_rows(batch, stored) == 3
    assert stored.getvalue() == expected.getvalue()
    lines = list(csv.reader(io.StringIO(stored.getvalue())))
    assert lines[0] == ["ID", "Name", "Email", "Phone", "line", "error"]
    assert lines[1][1] == "'=cmd|x"  # formula-neutralised, like exports


def test_the_command_records_its_batch_with_rows_but_only_counts_unchanged_ones(
    ada_and_bob, lead
):
    report = import_customers(io.BytesIO(FILE.encode()), skip_invalid=True, user=lead)
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert (batch.status, batch.applied_by, batch.created_by) == ("applied", lead, lead)
    assert (batch.unchanged, batch.lists_unchanged) == (1, False)
    assert [(line, kind, pk) for line, kind, pk, *_ in rows(batch)] == [
        (2, "changed", 1),
        (4, "new", 8),
        (5, "new", 7),
        (6, "invalid", None),
    ]


def test_a_write_that_fails_keeps_no_batch(ada_and_bob, lead, monkeypatch):
    from customers.importing import writing

    def changed_meanwhile(*args, **kwargs):
        raise writing.ConcurrentChange

    monkeypatch.setattr(writing, "_apply_stage", changed_meanwhile)
    report = import_customers(io.BytesIO(FILE.encode()), skip_invalid=True)
    assert report.fatal and not report.written
    assert not ImportBatch.objects.exists()
    assert not ImportBatchRow.objects.exists()
