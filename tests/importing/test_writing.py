"""customers.importing.writing: the plan written in one transaction, with history."""

from __future__ import annotations

import pytest

from customers.importing.writing import ConcurrentChange, write_plan
from customers.models import Customer, ImportBatch
from tests.importing import HEADER, run, state


def test_new_ids_follow_the_highest_id_and_the_sequence_is_reset(db):
    run(HEADER + "1000,A,a@x.io,\n,B,b@x.io,\n")
    assert Customer.objects.get(email="b@x.io").pk == 1001
    assert Customer.objects.create(name="C", email="c@x.io").pk == 1002


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_import_stages_then_writes_atomically():
    report = run(HEADER + "1,A,a@x.io,\n2,B,b@x.io,\n")
    assert report.written
    assert Customer.objects.count() == 2
    assert Customer.history.count() == 2
    report = run(HEADER + "1,A,b@x.io,\n3,C,c@x.io,\n")
    assert report.refused
    assert Customer.objects.count() == 2


def test_a_customer_changed_after_the_preview_makes_the_write_refuse(make_customer):
    customer = make_customer(id=1, name="A", email="a@x.io")
    preview = run(HEADER + "1,A2,a@x.io,\n2,B,b@x.io,\n", dry_run=True)
    customer.name = "Edited meanwhile"
    customer.save()
    before = state()
    with pytest.raises(ConcurrentChange):
        write_plan(preview.plan, batch=ImportBatch(file_size=0, sha256="0" * 64))
    assert state() == before


def test_history_keeps_its_rows_when_the_importing_user_is_deleted(admin_user):
    from django.db.models import ProtectedError

    report = run(HEADER + "1,A,a@x.io,\n", user=admin_user)
    batch = ImportBatch.objects.get(pk=report.batch_id)
    with pytest.raises(ProtectedError):
        batch.delete()
    admin_user.delete()
    assert Customer.history.get().history_user is None
