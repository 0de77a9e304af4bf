"""customers/duplicates.py: the groups of the duplicates page and the look-alikes
of new import rows."""

from __future__ import annotations

from customers.duplicates import MAX_SHOWN, look_alikes, with_customers
from customers.models import DuplicateGroup


def test_each_group_comes_with_its_active_customers(make_customer):
    phone = [make_customer(phone="+44 20 7946 0001") for _ in range(MAX_SHOWN + 2)]
    ada = make_customer(name="Ada Lovelace", email="ada@example.com")
    twin = make_customer(name="ADA LOVELACE", email="ADA@example.org")
    make_customer(name="Ada Lovelace", email="ada.l@example.com")  # not a twin
    phone[0].archive()

    found = with_customers(DuplicateGroup.objects.all())

    assert [(g.group.kind, g.group.size) for g in found] == [
        ("phone", MAX_SHOWN + 1),
        ("name", 2),
    ]
    assert found[0].customers == phone[1 : MAX_SHOWN + 1]
    assert found[1].customers == [ada, twin]
    assert with_customers([]) == []


def test_new_rows_are_matched_to_the_customers_they_look_like(make_customer):
    ada = make_customer(name="Ada Lovelace", email="ada@example.com", phone="")
    bob = make_customer(name="Bob", email="bob@example.com", phone="555 0100")
    make_customer(name="Ada Lovelace", email="lovelace@example.com")  # other local
    gone = make_customer(name="Cy", email="cy@example.com", phone="555 0199")
    gone.archive()

    found = look_alikes(
        [
            ("ADA LOVELACE", "Ada@Other.example", ""),  # same name and local part
            ("Robert", "robert@example.com", "(555) 0100"),  # same phone digits
            ("Someone", "BOB@example.com", ""),  # same email
            ("Cy", "cy@example.com", "5550199"),  # only an archived customer
            ("Nobody", "nobody@example.com", "12"),
        ]
    )
    assert found == [[ada], [bob], [bob], [], []]
    assert look_alikes([]) == []
