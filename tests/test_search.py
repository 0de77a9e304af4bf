from __future__ import annotations

import pyarrow as pa
import pytest

from customer_flow.lib import paging
from customers import search
from customers.models import Customer


def test_digits_are_an_id_and_a_phone_prefix():
    query = search.parse(" 0042 ")
    assert query.customer_id == 42
    assert query.phone_digits == "0042"
    assert not query.words


def test_phone_punctuation_is_ignored_in_the_query():
    query = search.parse("+1 (555) 01")
    assert query.customer_id is None
    assert query.phone_digits == "155501"


def test_at_sign_means_an_email_prefix_only():
    query = search.parse("Ada@Ex")
    assert query.email_prefix == "ada@ex"
    assert not query.words


def test_a_leading_at_sign_means_an_email_domain():
    query = search.parse("@Example.FR")
    assert query.domain_prefix == "example.fr"
    assert not query.email_prefix


def test_text_is_folded_words_of_a_name_with_spaces_collapsed():
    query = search.parse("  Ada   LOVE ")
    assert query.words == ("ada", "love")


def test_every_database_folds_case_and_accents_the_same():
    assert search.parse("ÉMILE").words == ("emile",)
    assert search.parse("Nørgaard").words == ("norgaard",)


def test_control_characters_in_the_query_are_dropped():
    assert search.parse("ad\x00a\x1b").words == ("ada",)
    assert search.parse("\x00\x07").is_empty


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


def test_search_matches_the_middle_of_a_word_from_three_letters(people):
    assert names(Customer.objects.search("ovelace")) == {"Ada Lovelace"}
    assert names(Customer.objects.search("OPPE")) == {"Grace Hopper"}
    assert not Customer.objects.search("ov").exists()  # too short to look inside
    assert not Customer.objects.search("example").exists()  # names only


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
    """(With an explicit sort; without one the matches are ranked.)"""
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


@pytest.fixture
def accented(make_customer):
    return {
        "jimenez": make_customer(name="José Jiménez", email="jose@example.es"),
        "jurgen": make_customer(name="Jürgen Klopp", email="jk@example.de"),
        "norgaard": make_customer(name="Lars Nørgaard", email="lars@example.dk"),
        "bailey": make_customer(
            name="Ana María Bailey López",
            email="ana.bailey@example.fr",
            phone="+33 1 23 45 67 89",
        ),
    }


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("jimenez", "jimenez"),
        ("Jimenez", "jimenez"),
        ("JIMÉNEZ", "jimenez"),
        ("jiménez", "jimenez"),
        ("JÜRGEN", "jurgen"),
        ("jurgen", "jurgen"),
        ("norgaard", "norgaard"),
        ("NØRGAARD", "norgaard"),
        ("lopez", "bailey"),  # the last of four words
        ("maria", "bailey"),  # the second
        ("lopez ana", "bailey"),  # words in any order
        ("bailey", "bailey"),  # the third of four words
        ("ailey", "bailey"),  # the middle of a word
        ("ría bAI", "bailey"),  # two pieces of words
        ("imene", "jimenez"),
        ("ØRGA", "norgaard"),
        ("@example.fr", "bailey"),
        ("@EXAMPLE.F", "bailey"),
        ("ana.bai", "bailey"),
        ("6789", "bailey"),  # the last four digits
        ("33 1 23", "bailey"),
    ],
)
def test_search_finds_what_people_type(accented, text, who):
    assert list(Customer.objects.search(text)) == [accented[who]]
    found = search.find(Customer.objects.all(), text)
    assert list(found) == [accented[who]]


def test_search_by_exact_id_finds_only_that_customer(accented):
    customer = accented["jurgen"]
    assert customer in Customer.objects.search(str(customer.pk))


def test_ranking_puts_exact_email_then_full_name_then_prefixes(make_customer):
    prefix = make_customer(name="Ada Lovelacey", email="someone@example.com")
    full = make_customer(name="Ada Lovelace", email="ada2@example.com")
    found = search.find(Customer.objects.all(), "ada lovelace")
    assert list(found) == [full, prefix]
    exact = make_customer(name="Zed", email="ada@example.com")
    assert list(search.find(Customer.objects.all(), "ada@example.com")) == [exact]


def test_ranking_clusters_namesakes_together(make_customer):
    first = make_customer(name="Maria Garcia", email="m1@example.com")
    make_customer(name="Maria Zed", email="m2@example.com")
    second = make_customer(name="MARÍA GARCÍA", email="m3@example.com")
    found = [c.pk for c in search.find(Customer.objects.all(), "maria")]
    assert abs(found.index(first.pk) - found.index(second.pk)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "%",
        "_",
        "'",
        '"',
        "\x00",
        "é" * 200,
        "a" * 10_000,
        "ail%",
        "a_l",
        '"ailey" OR "x"',
        "ail'ey",
        "NEAR(ail ey)",
        "ail\x01\x7fey\x00",
    ],
)
def test_odd_queries_are_answered_safely(accented, text):
    found = search.find(Customer.objects.all(), text)
    assert found.total == len(Customer.objects.search(text))
    assert found.total in (0, 1, 4)


def test_key_columns_of_a_batch_are_the_keys_of_each_row():
    from customers.search_keys import KEY_FIELDS, key_columns, keys_of

    rows = [
        ("Ana María Bailey López", "ÄDA@Bücher.de", "+33 1 23 45 67 89"),
        ("Cher", "cher@example.com", ""),
        ("Jean-Luc Picard", "jl@example.com", "555 0100 x2"),
    ]
    columns_in = zip(*rows, strict=True)
    names, emails, phones = (pa.array(list(column)) for column in columns_in)
    columns = key_columns(names, emails, phones)
    for index, row in enumerate(rows):
        assert keys_of(*row) == {f: columns[f][index].as_py() for f in KEY_FIELDS}


def test_a_typo_gets_did_you_mean_on_postgresql_and_nothing_on_sqlite(
    agent_client, make_customer
):
    from django.db import connection

    make_customer(name="José Jiménez")
    response = agent_client.get("/customers/", {"q": "jimenes"})
    assert "No customers match" in response.text
    if connection.vendor == "postgresql":
        assert "Did you mean" in response.text
        assert "jose jimenez" in response.text
    else:
        assert "Did you mean" not in response.text


def test_more_names_containing_the_text_than_read_make_a_capped_list(
    make_customer, monkeypatch
):
    make_customer(name="Ann Bailey")
    make_customer(name="Bo Hailey")
    assert search.find(Customer.objects.all(), "ailey").capped is False
    monkeypatch.setattr(search, "NAMES_CAP", 1)
    found = search.find(Customer.objects.all(), "ailey")
    assert (found.total, found.capped) == (1, True)
