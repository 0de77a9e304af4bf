from __future__ import annotations

import pytest

from customer_flow.lib import paging
from customers import search
from customers.models import Customer


def test_digits_are_an_id_and_a_phone_prefix():
    query = search.parse(" 0042 ", vendor="sqlite")
    assert query.customer_id == 42
    assert query.phone_digits == "0042"
    assert not query.name_prefix


def test_phone_punctuation_is_ignored_in_the_query():
    query = search.parse("+1 (555) 01", vendor="sqlite")
    assert query.customer_id is None
    assert query.phone_digits == "155501"


def test_at_sign_means_an_email_prefix_only():
    query = search.parse("Ada@Ex", vendor="sqlite")
    assert query.email_prefix == "ada@ex"
    assert not query.name_prefix


def test_text_is_a_name_or_email_prefix_with_spaces_collapsed():
    query = search.parse("  Ada   Love ", vendor="postgresql")
    assert query.name_prefix == "ada love"
    assert query.email_prefix == "ada love"


def test_sqlite_folds_only_ascii_like_its_lower_function():
    assert search.parse("ÉMILE", vendor="sqlite").name_prefix == "Émile"
    assert search.parse("ÉMILE", vendor="postgresql").name_prefix == "émile"


@pytest.mark.parametrize(
    ("prefix", "upper"),
    [("abc", "abd"), ("a\ud7ff", "a\ue000"), ("\U0010ffff", None), ("z", "{")],
)
def test_prefix_upper_bound_is_the_next_string_after_the_prefix(prefix, upper):
    assert search.prefix_upper_bound(prefix) == upper


@pytest.fixture
def people(make_customer):
    return {
        "ada": make_customer(
            name="Ada Lovelace", email="ada@example.com", phone="+44 20 7946 0001"
        ),
        "grace": make_customer(
            name="Grace Hopper", email="g.hopper@navy.example", phone="555-0100"
        ),
        "alan": make_customer(name="Alan Turing", email="alan@example.org"),
        "adam": make_customer(name="adam o'brien", email="adam@example.net"),
    }


def names(queryset) -> set[str]:
    return {c.name for c in queryset}


def test_search_matches_the_start_of_the_name_ignoring_case(people):
    assert names(Customer.objects.search("AD")) == {"Ada Lovelace", "adam o'brien"}


def test_search_matches_a_later_word_of_the_name(people):
    assert names(Customer.objects.search("hop")) == {"Grace Hopper"}
    assert names(Customer.objects.search("o'b")) == {"adam o'brien"}


def test_search_matches_the_start_of_the_email(people):
    assert names(Customer.objects.search("g.hop")) == {"Grace Hopper"}
    assert names(Customer.objects.search("alan@EXAMPLE.org")) == {"Alan Turing"}


def test_search_does_not_match_the_middle_of_a_word(people):
    assert not Customer.objects.search("ovelace").exists()
    assert not Customer.objects.search("example").exists()


def test_search_finds_a_phone_by_its_digits_whatever_the_punctuation(people):
    assert names(Customer.objects.search("4420 7946")) == {"Ada Lovelace"}
    assert names(Customer.objects.search("(555) 01")) == {"Grace Hopper"}


def test_search_by_id_is_exact(people):
    ada = people["ada"]
    assert ada in Customer.objects.search(str(ada.pk))
    assert not Customer.objects.search("999999").exists()


def test_like_wildcards_in_the_query_are_plain_characters(people):
    assert not Customer.objects.search("%").exists()
    assert not Customer.objects.search("a_a").exists()


def test_find_counts_exactly_below_the_cap_and_sorts_the_matches(people):
    found = search.find(Customer.objects.all(), "a", order_by=search.ORDERINGS["-name"])
    assert (found.total, found.capped) == (3, False)
    assert [c.name for c in found[0:10]] == [
        "Alan Turing",
        "adam o'brien",
        "Ada Lovelace",
    ]


def test_find_caps_the_count_instead_of_counting_everything(
    people, make_customer, monkeypatch
):
    monkeypatch.setattr(search, "CAP", 2)
    monkeypatch.setattr(paging, "CAP", 2)
    everyone = search.find(Customer.objects.all(), "", order_by=["id"])
    assert (everyone.total, everyone.capped) == (2, True)
    many = search.find(Customer.objects.all(), "a", order_by=["id"])
    assert (many.total, many.capped) == (2, True)


def test_find_respects_the_status_filter(people):
    people["ada"].archive()
    active = search.find(Customer.objects.active(), "ada", order_by=["id"])
    archived = search.find(Customer.objects.archived(), "ada", order_by=["id"])
    assert [c.name for c in active[0:5]] == ["adam o'brien"]
    assert [c.name for c in archived[0:5]] == ["Ada Lovelace"]
