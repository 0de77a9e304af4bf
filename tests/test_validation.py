from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from customers import validation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ada Lovelace\u00a0", "Ada Lovelace"),
        ("\ufeff\u200bNA", "NA"),
        ("null", "null"),
        ('O\'Brien, "Pat"', 'O\'Brien, "Pat"'),
    ],
)
def test_clean_name_trims_unicode_spaces_and_keeps_words_like_na(raw, expected):
    assert validation.clean_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("   ", "This field is required."),
        ("x" * 201, "at most 200 characters"),
        ("Bad\x00Name", "control character U+0000"),
    ],
)
def test_clean_name_refuses_with_a_message(raw, message):
    with pytest.raises(ValidationError) as error:
        validation.clean_name(raw)
    assert message in error.value.messages[0] % (error.value.params or {})


@pytest.mark.parametrize(
    "phone",
    [
        "0123 456789",
        "+44 20 7946 0958",
        "(555) 123-4567",
        "555.123.4567 x12",
        "555/123 4567 ext. 3",
        "",
    ],
)
def test_clean_phone_keeps_the_phone_exactly_as_entered(phone):
    assert validation.clean_phone(f"  {phone} ") == phone


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("5.55E+09", "spreadsheet"),
        ("call me", "digits, spaces"),
        ("123 45", "7 to 15 digits"),
        ("1234567890123456", "7 to 15 digits"),
    ],
)
def test_clean_phone_refuses_with_a_hint(phone, message):
    with pytest.raises(ValidationError) as error:
        validation.clean_phone(phone)
    assert message in str(error.value)


@pytest.mark.parametrize("email", ["ada@example.com", "Ada.Lovelace+crm@Example.co.uk"])
def test_clean_email_accepts_valid_addresses(email):
    assert validation.clean_email(f" {email}\u00a0") == email


@pytest.mark.parametrize("email", ["ada", "ada@", "@example.com", "a b@example.com"])
def test_clean_email_refuses_invalid_addresses(email):
    with pytest.raises(ValidationError, match="valid email address"):
        validation.clean_email(email)


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), (" 7 ", 7), ("", None)])
def test_clean_customer_id_reads_whole_numbers(raw, expected):
    assert validation.clean_customer_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0", "1 or more"),
        ("-3", "whole number"),
        ("4.0", "decimal number"),
        ("4.5", "decimals"),
        ("abc", "whole"),
    ],
)
def test_clean_customer_id_refuses_what_is_not_a_positive_whole_number(raw, message):
    with pytest.raises(ValidationError) as error:
        validation.clean_customer_id(raw)
    assert message in str(error.value)


@pytest.mark.parametrize("garbled", ["StraÃŸe", "Ã‰mile", "JÃ¼rgen", "Â²", "Å‚ódź"])
def test_utf8_read_as_cp1252_or_latin1_is_refused(garbled):
    with pytest.raises(ValidationError, match="garbled"):
        validation.clean_name(garbled)


@pytest.mark.parametrize("name", ["Åsa Ärlig", "Ålesund", "Zoë Łukasz", "Øre"])
def test_european_letters_are_not_mistaken_for_mojibake(name):
    assert validation.clean_name(name) == name


def test_values_are_normalised_to_nfc():
    assert validation.clean_name("Zoe\u0308") == "Zo\u00eb"
    assert validation.clean_phone("15551234567") == "15551234567"


def test_phone_with_a_spreadsheets_decimal_suffix_is_refused():
    with pytest.raises(ValidationError, match="decimal number"):
        validation.clean_phone("15551234567.0")
