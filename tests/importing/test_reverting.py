from __future__ import annotations

import io

import pytest
from django.db import IntegrityError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.importing import import_customers, reverting
from customers.importing.reverting import RevertRefused, changed_since, revert_import
from customers.models import Customer, ImportBatch, ImportBatchRow
from tickets.models import Ticket

HEADER = "ID,Name,Email,Phone\n"


def state() -> list[tuple]:
    """What a revert must give back: every customer's values and archived state."""
    return [
        (pk, name, email, phone, archived is not None)
        for pk, name, email, phone, archived in Customer.objects.order_by(
            "id"
        ).values_list("id", "name", "email", "phone", "archived_at")
    ]


def run(text: str, **options) -> ImportBatch:
    report = import_customers(io.BytesIO(text.encode()), **options)
    assert report.written, report.errors
    return ImportBatch.objects.get(pk=report.batch_id)


CHANGES = (
    HEADER
    + "1,Ada Lovelace,ada@example.com,020 7946 0002\n"
    + "2,Bob,bob@example.com,\n"
    + "3,Cy,cy@example.com,\n"
    + ",Dee,dee@example.com,\n"
)


def test_revert_restores_updated_customers_and_removes_created_ones(
    ada_and_bob, lead, admin_user
):
    before = state()
    batch = run(CHANGES, user=admin_user)
    assert len(state()) == 4

    report = revert_import(batch=batch, user=lead)
    assert state() == before
    assert (report.removed, report.archived, report.restored) == (2, 0, 1)
    assert report.summary() == (
        f"Import #{batch.pk} reverted: 2 created customers removed, 0 archived "
        "(they have tickets), 1 restored to their previous values."
    )
    batch.refresh_from_db()
    assert (batch.status, batch.reverted_by) == ("reverted", lead)
    assert batch.reverted_at is not None
    # Each write of the revert is in the change history, by who reverted.
    undo = Customer.history.filter(history_change_reason=f"Undo of import #{batch.pk}")
    assert sorted(undo.values_list("id", "history_type", "history_user")) == [
        (1, "~", lead.pk),
        (3, "-", lead.pk),
        (4, "-", lead.pk),
    ]
    assert undo.get(id=1).phone == "020 7946 0001"


def test_reverted_values_are_byte_for_byte_even_when_no_form_would_accept_them(
    make_customer,
):
    # Values written before today's rules (or by hand) come back exactly.
    odd = [
        (1, "  Ada\u00a0 ", "Ada@Example.COM", " 0123 "),
        (2, 'Bob "the, builder"\nNewline', "bob@example.com", "'+44"),
        (3, "Zoë\tÜnal ", "zoe@example.com", ""),
    ]
    for pk, name, email, phone in odd:
        Customer.objects.create(id=pk, name=name, email=email, phone=phone)
    before = state()
    batch = run(
        HEADER
        + "1,Ada,ada@example.com,020 7946 0001\n"
        + "2,Bob,bob@example.com,020 7946 0002\n"
        + "3,Zoe,zoe@example.com,020 7946 0003\n"
    )
    assert batch.updated == 3
    revert_import(batch=batch, user=None)
    assert state() == before


def test_revert_archives_created_customers_that_have_tickets(
    ada_and_bob, make_ticket, lead
):
    batch = run(CHANGES)
    cy = Customer.objects.get(pk=3)
    make_ticket(customer=cy)
    report = revert_import(batch=batch, user=lead)
    assert (report.removed, report.archived) == (1, 1)
    cy.refresh_from_db()
    assert cy.is_archived
    assert Ticket.objects.filter(customer=cy).exists()
    assert not Customer.objects.filter(pk=4).exists()
    assert cy.history.first().history_type == "~"


def test_revert_refuses_a_customer_changed_since_and_names_it(ada_and_bob, lead):
    batch = run(CHANGES)
    ada = Customer.objects.get(pk=1)
    ada.phone = "020 7946 0999"
    ada.save()
    cy = Customer.objects.get(pk=3)
    cy.name = "Cyrus"
    cy.save()
    before = state(), Customer.history.count()

    with pytest.raises(RevertRefused) as refused:
        revert_import(batch=batch, user=lead)
    assert refused.value.message == (
        f"Import #{batch.pk} was not reverted: 2 customers were changed after it: "
        "#1 Ada Lovelace, #3 Cyrus. Nothing was changed."
    )
    assert [(c.id, c.name) for c in refused.value.conflicts] == [
        (1, "Ada Lovelace"),
        (3, "Cyrus"),
    ]
    assert (state(), Customer.history.count()) == before
    batch.refresh_from_db()
    assert batch.status == "applied"


def test_archiving_since_is_no_conflict_and_the_archive_stays(ada_and_bob):
    batch = run(CHANGES)
    Customer.objects.get(pk=1).archive()
    revert_import(batch=batch, user=None)
    ada = Customer.objects.get(pk=1)
    assert (ada.name, ada.phone, ada.is_archived) == ("Ada", "020 7946 0001", True)


def test_force_reverts_anyway_and_overwrites_the_later_changes(ada_and_bob, lead):
    before = state()
    batch = run(CHANGES)
    ada = Customer.objects.get(pk=1)
    ada.name = "Countess"
    ada.save()

    report = revert_import(batch=batch, user=lead, force=True)
    assert state() == before
    assert [c.id for c in report.overridden] == [1]
    assert report.summary().endswith("; later changes to 1 customer overwritten.")


def test_a_customer_removed_since_is_named_and_force_leaves_it_removed(
    ada_and_bob, lead
):
    batch = run(CHANGES)
    Customer.objects.filter(pk=1).delete()
    assert [str(c) for c in changed_since(batch)] == ["#1 Ada Lovelace (removed since)"]
    with pytest.raises(RevertRefused, match="#1 Ada Lovelace"):
        revert_import(batch=batch, user=lead)
    report = revert_import(batch=batch, user=lead, force=True)
    assert [row[0] for row in state()] == [2]
    assert report.summary().endswith("; 1 customer removed since stayed removed.")


def test_reverting_twice_is_refused_clearly(ada_and_bob, lead):
    batch = run(CHANGES)
    revert_import(batch=batch, user=lead)
    after = state()
    with pytest.raises(RevertRefused, match=r"already reverted, on .* by lead\."):
        revert_import(batch=batch, user=lead)
    assert state() == after


def test_a_preview_cannot_be_reverted(ada_and_bob, lead):
    from customers.importing import preview_import

    _, batch = preview_import(
        io.BytesIO(CHANGES.encode()), user=lead, skip_invalid=False, file_name="x"
    )
    with pytest.raises(RevertRefused, match="never applied .*nothing to undo"):
        revert_import(batch=batch, user=lead)


def test_a_batch_recorded_before_rows_were_kept_cannot_be_reverted(ada_and_bob):
    batch = run(CHANGES)
    batch.rows.all().delete()
    before = state()
    with pytest.raises(RevertRefused, match="cannot be reverted"):
        revert_import(batch=batch, user=None)
    assert state() == before


def test_revert_gives_back_swapped_emails(make_customer):
    make_customer(id=1, name="Ada", email="ada@example.com")
    make_customer(id=2, name="Bob", email="bob@example.com")
    before = state()
    batch = run(HEADER + "1,Ada,BOB@example.com,\n2,Bob,ada@example.com,\n")
    assert Customer.objects.get(pk=1).email == "BOB@example.com"
    revert_import(batch=batch, user=None)
    assert state() == before


def test_revert_refuses_when_another_customer_took_an_old_email_since(ada_and_bob):
    batch = run(HEADER + "1,Ada,ada2@example.com,020 7946 0001\n")
    Customer.objects.create(id=5, name="Eve", email="ADA@example.com")
    before = state()
    with pytest.raises(RevertRefused) as refused:
        revert_import(batch=batch, user=None, force=True)
    assert "customer #1 would get back the email ada@example.com, which " in (
        refused.value.message
    )
    assert "customer #5 Eve now has" in refused.value.message
    assert state() == before


def test_an_email_given_to_a_created_customer_comes_back_when_it_is_removed(
    make_customer,
):
    make_customer(id=1, name="Ada", email="ada@example.com")
    before = state()
    batch = run(HEADER + "1,Ada,ada.new@example.com,\n9,Ada Two,ada@example.com,\n")
    revert_import(batch=batch, user=None)
    assert state() == before


def test_the_later_of_two_batches_is_reverted_first(ada_and_bob):
    before = state()
    first = run(HEADER + "1,Ada One,ada@example.com,020 7946 0001\n")
    second = run(HEADER + "1,Ada Two,ada@example.com,020 7946 0001\n")
    with pytest.raises(RevertRefused, match="#1 Ada Two"):
        revert_import(batch=first, user=None)
    revert_import(batch=second, user=None)
    assert Customer.objects.get(pk=1).name == "Ada One"
    revert_import(batch=first, user=None)
    assert state() == before


def test_a_revert_that_fails_midway_changes_nothing(ada_and_bob, monkeypatch):
    batch = run(CHANGES)
    after_import = state(), Customer.history.count()

    def fails(self):
        raise IntegrityError("disk trouble")

    monkeypatch.setattr(reverting._Writer, "restore_updated", fails)
    with pytest.raises(RevertRefused, match="nothing was changed"):
        revert_import(batch=batch, user=None)
    assert (state(), Customer.history.count()) == after_import
    batch.refresh_from_db()
    assert batch.status == "applied"


# The property: import then revert gives back the database ---------------------

names = st.sampled_from(
    ["Ada", "Zoë Ünal", "O'Brien, Jr.", "NA", "  padded  ", "=SUM(A1)", "", "Ünal"]
)
phones = st.sampled_from(["", "020 7946 0001", "+44 20 7946 0958", "12", "x1"])
awkward = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=8,
)
database = st.lists(
    st.tuples(awkward, phones | awkward, st.booleans()), min_size=0, max_size=8
)
file_rows = st.lists(
    st.tuples(
        st.sampled_from(["existing", "new", "none", "bad"]),
        st.integers(0, 20),
        names,
        st.sampled_from(["own", "other", "fresh", "upper", "bad"]),
        phones,
    ),
    max_size=10,
)


def _cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(customers=database, rows=file_rows)
def test_import_then_revert_gives_back_the_database(customers, rows):
    ImportBatchRow.objects.all().delete()
    Customer.history.all().delete()
    Customer.objects.all().delete()
    ImportBatch.objects.all().delete()
    for index, (name, phone, archived) in enumerate(customers, start=1):
        Customer.objects.create(
            id=index * 2,
            name=name,
            email=f"c{index}@Example.com",
            phone=phone,
            archived_at=timezone.now() if archived else None,
        )
    before = state()

    lines = []
    for which, number, name, email, phone in rows:
        count = len(customers)
        pk = {
            "existing": str(2 * (number % count + 1)) if count else "",
            "new": str(100 + number),
            "none": "",
            "bad": "x",
        }[which]
        other = number % count + 1 if count else number
        address = {
            "own": f"c{pk or number}@example.com",
            "other": f"c{other}@example.com",
            "fresh": f"new{number}@example.com",
            "upper": f"C{other}@EXAMPLE.COM",
            "bad": "not-an-email",
        }[email]
        lines.append(",".join(_cell(v) for v in (pk, name, address, phone)))
    report = import_customers(
        io.BytesIO((HEADER + "\n".join(lines) + "\n").encode()), skip_invalid=True
    )
    if not report.written:
        assert state() == before
        return
    batch = ImportBatch.objects.get(pk=report.batch_id)
    revert_import(batch=batch, user=None)
    assert state() == before
