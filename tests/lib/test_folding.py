from __future__ import annotations

import unicodedata

import pyarrow as pa
import pytest

from customer_flow.lib.folding import (
    email_identity,
    email_identity_column,
    fold,
    fold_column,
    phone_digits,
    phone_digits_column,
)

NAMES = [
    "José Jiménez",
    "JÜRGEN Klopp",
    "Lars Nørgaard",
    "Ana-María  López",
    "adam O'Brien",
    "Straße",
    "ΣΊΣΥΦΟΣ",
    "Łukasz Żółć",
    "Æsa Þórsdóttir",
    "Иван Петров",
    "ﬁnn",
    "  plain  ascii  ",
    "J. R. R. Tolkien",
]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("José Jiménez", "jose jimenez"),
        ("JÜRGEN", "jurgen"),
        ("Nørgaard", "norgaard"),
        ("Ana-María  López", "ana maria lopez"),
        ("O'Brien", "obrien"),
        ("Straße", "strasse"),
        ("Łukasz", "lukasz"),
        ("Æsa Þór", "aesa thor"),
        ("ΣΊΣΥΦΟΣ", "σισυφοσ"),
        ("Иван", "иван"),
        ("ﬁnn", "finn"),
    ],
)
def test_fold_drops_case_accents_and_transliterates(text, folded):
    assert fold(text) == folded


def test_fold_is_the_same_for_nfc_and_nfd_text():
    text = "Jiménez Nørgaard Ångström"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)


def test_fold_column_gives_what_fold_gives():
    column = fold_column(pa.array([*NAMES, None]))
    assert column.to_pylist() == [*(fold(name) for name in NAMES), None]


@pytest.mark.parametrize(
    ("email", "identity"),
    [
        ("ÄDA@x.de", "äda@x.de"),
        ("A\u0308DA@X.DE", "äda@x.de"),  # NFD
        ("ada@Bücher.example", "ada@xn--bcher-kva.example"),
        ("ada@xn--bcher-kva.EXAMPLE", "ada@xn--bcher-kva.example"),
        ("Straße@x.de", "strasse@x.de"),
    ],
)
def test_email_identity_folds_case_normalisation_and_the_domain(email, identity):
    assert email_identity(email) == identity


def test_email_identity_column_gives_what_email_identity_gives():
    emails = ["ÄDA@x.de", "Bob@Example.COM", "ada@Bücher.example", "x@" + "é" * 70]
    column = email_identity_column(pa.array(emails))
    assert column.to_pylist() == [email_identity(email) for email in emails]


def test_phone_digits_leave_out_punctuation_and_the_extension():
    phones = ["+1 (555) 010-2000 x12", "020 7946 0001 ext. 5", "", "555.0100"]
    assert [phone_digits(p) for p in phones] == [
        "15550102000",
        "02079460001",
        "",
        "5550100",
    ]
    assert phone_digits_column(pa.array(phones)).to_pylist() == [
        phone_digits(p) for p in phones
    ]


@pytest.mark.parametrize(
    "name",
    [
        " lead",
        "trail ",
        "two  spaces",
        "a,b;c/d(e)",
        "tab\there",
        "O'Brien-Smith Jr.",
        "x" * 300,
        "",
        "`quoted`",
        "Ünïcödé  and  ascii",
    ],
)
def test_fold_column_settles_awkward_ascii_like_fold(name):
    assert fold_column(pa.array([name])).to_pylist() == [fold(name)]


def test_phone_digits_column_hands_extensions_to_phone_digits():
    phones = ["555 0100 x12", "555-0100", "+44 (0) 20 7946 0001 ext 7", "", "１２３"]
    assert phone_digits_column(pa.array(phones)).to_pylist() == [
        phone_digits(p) for p in phones
    ]
