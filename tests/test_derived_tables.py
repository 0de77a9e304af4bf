"""customers/derived_tables/: the names table and the duplicate groups follow
every way a customer is written (save, import in bulk, its undo, merge, raw SQL,
delete), on SQLite and PostgreSQL."""

from __future__ import annotations

from django.db import connection, transaction

from customers import derived_tables
from customers.derived_tables import triggers
from customers.importing import import_customers
from customers.importing.reverting import revert_import
from customers.merging import merge_customers, undo_merge
from customers.models import Customer, CustomerName, DuplicateGroup, ImportBatch

HEADER = "ID,Name,Email,Phone\n"


def groups() -> set[tuple[str, str, int]]:
    return set(DuplicateGroup.objects.values_list("kind", "value", "size"))


def recounted() -> set[tuple[str, str, int]]:
    """The groups worked out from scratch (what the triggers must agree with)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in derived_tables.fill_statements():
                cursor.execute(statement)
        found = groups()
        transaction.set_rollback(True)
    return found


def test_saving_customers_keeps_groups_of_same_phone_and_same_name(make_customer):
    ada = make_customer(name="Ada Lovelace", email="ada@example.com", phone="555 0100")
    twin = make_customer(name="ADA LOVELACE", email="Ada@Example.org", phone="")
    assert groups() == {("name", "ada lovelace ada", 2)}
    third = make_customer(name="Ada King", email="king@example.com", phone="5550100")
    assert groups() == {("name", "ada lovelace ada", 2), ("phone", "5550100", 2)}

    third.phone = "555 0199"
    third.save()
    assert groups() == {("name", "ada lovelace ada", 2)}
    twin.archive()
    assert groups() == set()
    twin.restore()
    ada.delete()
    assert groups() == set() == recounted()


def test_short_phones_and_names_without_email_local_part_make_no_group(
    make_customer,
):
    make_customer(name="A", email="a1@example.com", phone="12")
    make_customer(name="B", email="b1@example.com", phone="12")
    assert groups() == set()


def test_an_import_in_bulk_and_its_undo_keep_names_and_groups(db, lead):
    Customer.objects.create(name="Old Timer", email="old@example.com", phone="555 0100")
    rows = [f",Person {n} Bailey,p{n}@example.com,555 01{n % 2}0\n" for n in range(6)]
    report = import_customers(
        (HEADER + "".join(rows)).encode(), user=lead, file_name="id.csv"
    )
    assert report.created == 6
    assert groups() == {("phone", "5550100", 4), ("phone", "5550110", 3)}
    assert groups() == recounted()
    assert CustomerName.objects.filter(name_key="person 3 bailey").exists()

    revert_import(batch=ImportBatch.objects.get(), user=lead)
    assert groups() == set() == recounted()


def test_a_merge_and_its_undo_keep_the_groups(make_customer):
    keep = make_customer(name="Ada Lovelace", email="ada@example.com", phone="5550100")
    other = make_customer(name="Ada L", email="al@example.com", phone="555-0100")
    merge = merge_customers(survivor_id=keep.pk, other_ids=[other.pk])
    assert groups() == set()
    undo_merge(merge_id=merge.pk)
    assert groups() == {("phone", "5550100", 2)} == recounted()


def test_raw_sql_writes_are_followed_too(make_customer):
    ada = make_customer(name="Ada", email="ada@example.com", phone="5550100")
    make_customer(name="Bob", email="bob@example.com", phone="5550199")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET phone_key = %s, name_key = %s WHERE id = %s",
            ["5550199", "ada byron", ada.pk],
        )
    assert groups() == {("phone", "5550199", 2)}
    assert CustomerName.objects.filter(name_key="ada byron").exists()


def test_paused_triggers_rebuild_both_tables_at_the_end(make_customer):
    with transaction.atomic(), derived_tables.paused():
        make_customer(name="Zoë Nørgaard", email="z1@example.com", phone="5550100")
        make_customer(name="Zoe Norgaard", email="z2@example.com", phone="5550100")
        assert groups() == set()
    assert groups() == {("phone", "5550100", 2)}
    assert CustomerName.objects.filter(name_key="zoe norgaard").count() == 1
    # The triggers are back.
    make_customer(name="Zed", email="zed@example.com", phone="5550100")
    assert groups() == {("phone", "5550100", 3)}


def test_an_import_of_new_and_changed_rows_and_its_undo_match_a_rebuild(db, lead):
    """The importer pauses the triggers and recounts the keys it touched: the
    old keys of the changed customers, the new keys of all."""
    keep = [
        Customer.objects.create(name=f"Kay {n}", email=f"k{n}@example.com", phone="")
        for n in range(60)  # a batch is a small part of the table: keys recounted
    ]
    ada = Customer.objects.create(
        name="Ada Lovelace", email="ada@example.com", phone="555 0100"
    )
    Customer.objects.create(name="Ada Lovelace", email="ada@example.org", phone="")
    Customer.objects.create(name="Bo", email="bo@example.com", phone="555 0100")
    before = groups()
    assert before == {("name", "ada lovelace ada", 2), ("phone", "5550100", 2)}
    rows = (
        f"{ada.pk},Ada Byron,ada@example.com,555 0199\n"
        f"{keep[0].pk},Kay 1,k1@example.net,555 0199\n"
        ",Cy Brand,cy@example.com,5550100\n"
        ",New Name Only,newname@example.com,\n"
    )
    report = import_customers((HEADER + rows).encode(), user=lead, file_name="c.csv")
    assert (report.created, report.updated) == (2, 2)
    assert (
        groups()
        == recounted()
        == {
            ("name", "kay 1 k1", 2),
            ("phone", "5550100", 2),
            ("phone", "5550199", 2),
        }
    )
    assert CustomerName.objects.filter(name_key="new name only").exists()

    revert_import(batch=ImportBatch.objects.get(), user=lead)
    assert groups() == recounted() == before
    # The triggers are back after both.
    Customer.objects.create(name="Di", email="di@example.com", phone="5550100")
    assert ("phone", "5550100", 3) in groups()


def test_a_first_import_is_counted_in_one_pass_to_the_same_groups(db, lead):
    rows = [
        f",Person {n % 3} Bailey,p{n % 4}.{n}@x.org,555 01{n % 2}0\n" for n in range(9)
    ]
    import_customers((HEADER + "".join(rows)).encode(), user=lead, file_name="f.csv")
    assert groups() == recounted() != set()


def test_big_statements_are_counted_set_wise_to_the_same_groups(db, monkeypatch):
    """(PostgreSQL counts a statement of BULK_ROWS rows or more in one join;
    here every statement is big.)"""
    monkeypatch.setattr(triggers, "BULK_ROWS", 1)  # read where it is defined
    with connection.cursor() as cursor:
        for statement in derived_tables.drop_trigger_statements(connection.vendor):
            cursor.execute(statement)
        for statement in derived_tables.trigger_statements(connection.vendor):
            cursor.execute(statement)
    Customer.objects.bulk_create(
        Customer(name=name, email=email, phone=phone)
        for name, email, phone in [
            ("Ada Lovelace", "ada@example.com", "555 0100"),
            ("ADA LOVELACE", "ada@example.org", "555 0199"),
            ("Bob", "bob@example.com", "5550100"),
            ("Cy", "cy@example.com", "5550100"),
        ]
    )
    expected = {("name", "ada lovelace ada", 2), ("phone", "5550100", 3)}
    assert groups() == expected == recounted()
    Customer.objects.filter(name="Cy").update(archived_at="2026-01-01T00:00:00Z")
    assert (
        groups()
        == recounted()
        == {
            ("name", "ada lovelace ada", 2),
            ("phone", "5550100", 2),
        }
    )
    Customer.objects.filter(name__in=["Bob", "ADA LOVELACE"]).delete()
    assert groups() == set() == recounted()
