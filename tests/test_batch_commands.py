"""The batch commands: import_batches, revert_import, and import_customers --force."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer, ImportBatch

HEADER = "ID,Name,Email,Phone\n"


def call(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def id_csv(tmp_path):
    path = tmp_path / "id.csv"
    path.write_text(HEADER + "1,Ada,ada@example.com,\n2,Bob,bob@example.com,\n")
    return path


def test_importing_the_same_file_again_is_refused_unless_forced(db, id_csv):
    call("import_customers", str(id_csv))
    first = ImportBatch.objects.get()
    Customer.objects.filter(pk=2).delete()

    with pytest.raises(CommandError) as refused:
        call("import_customers", str(id_csv))
    assert str(refused.value) == (
        f"Already imported as batch #{first.pk}; nothing was written. Use --force "
        "to import it again."
    )
    assert not Customer.objects.filter(pk=2).exists()
    assert ImportBatch.objects.count() == 1

    out, err = call("import_customers", str(id_csv), force=True)
    assert f"Warning: This file was already imported as batch #{first.pk}" in err
    assert out.splitlines()[-1] == "1 created, 0 updated, 1 unchanged, 0 invalid"
    assert Customer.objects.filter(pk=2).exists()


def test_a_dry_run_of_a_file_imported_before_only_warns(db, id_csv):
    call("import_customers", str(id_csv))
    out, err = call("import_customers", str(id_csv), dry_run=True)
    assert "already imported as batch #" in err
    assert out.strip() == "would be 0 created, 0 updated, 2 unchanged, 0 invalid"


def test_import_batches_lists_id_when_who_file_counts_and_status(
    db, id_csv, admin_user
):
    call("import_customers", str(id_csv))
    (id_csv.parent / "more.csv").write_text(HEADER + "3,Cy,cy@example.com,\n")
    call("import_customers", str(id_csv.parent / "more.csv"))
    ImportBatch.objects.filter(file_name__endswith="more.csv").update(
        created_by=admin_user
    )

    out, _ = call("import_batches")
    lines = out.splitlines()
    assert len(lines) == 2
    newest, oldest = lines
    first, second = ImportBatch.objects.order_by("id").values_list("id", flat=True)
    assert newest.startswith(f"#{second}  ") and oldest.startswith(f"#{first}  ")
    assert "  admin  " in newest and f"{id_csv.parent / 'more.csv'}" in newest
    assert newest.endswith("1 created, 0 updated, 0 unchanged, 0 invalid  applied")
    assert oldest.endswith("2 created, 0 updated, 0 unchanged, 0 invalid  applied")

    out, _ = call("import_batches", limit=1)
    assert out.splitlines() == [newest]


def test_import_batches_says_when_there_are_none(db):
    out, err = call("import_batches")
    assert out == "" and err.strip() == "No import batches yet."


def test_revert_import_undoes_a_batch(db, id_csv):
    call("import_customers", str(id_csv))
    batch = ImportBatch.objects.get()
    out, _ = call("revert_import", str(batch.pk))
    assert out.strip() == (
        f"Import #{batch.pk} reverted: 2 created customers removed, 0 archived (they "
        "have tickets), 0 restored to their previous values."
    )
    assert not Customer.objects.exists()
    assert call("import_batches")[0].endswith("reverted\n")


def test_revert_import_refuses_a_customer_changed_since_in_one_line(
    make_customer, id_csv
):
    make_customer(id=1, name="Ada", email="ada@example.com")
    (id_csv.parent / "x.csv").write_text(HEADER + "1,Ada King,ada@example.com,\n")
    call("import_customers", str(id_csv.parent / "x.csv"))
    batch = ImportBatch.objects.get()
    ada = Customer.objects.get(pk=1)
    ada.name = "Augusta Ada King"
    ada.save()

    with pytest.raises(CommandError) as refused:
        call("revert_import", str(batch.pk))
    message = str(refused.value)
    assert "\n" not in message
    assert message == (
        f"Import #{batch.pk} was not reverted: 1 customer was changed after it: "
        "#1 Augusta Ada King. Nothing was changed. Use --force to overwrite their "
        "later changes."
    )
    assert Customer.objects.get(pk=1).name == "Augusta Ada King"

    out, err = call("revert_import", str(batch.pk), force=True)
    assert "Overwrote later changes of customer #1 Augusta Ada King." in err
    assert Customer.objects.get(pk=1).name == "Ada"


def test_revert_import_refuses_twice_and_unknown_batches(db, id_csv):
    call("import_customers", str(id_csv))
    number = str(ImportBatch.objects.get().pk)
    call("revert_import", number)
    with pytest.raises(CommandError, match="already reverted"):
        call("revert_import", number)
    with pytest.raises(CommandError, match="There is no import batch #0."):
        call("revert_import", "0")
