"""customers.importing.rules: every value cleaned by the shared rules, fast or not."""

from __future__ import annotations

import unicodedata

import pyarrow as pa
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.importing.rules import FAST_PATTERNS, clean_cell, fast_check
from customers.models import Customer
from tests.importing import HEADER, messages, run, state


def test_values_are_trimmed_of_unicode_spaces_and_invisible_marks(db):
    run(HEADER + "1,\u00a0Ada\u200b ,\tada@x.io\u00a0, 0123 456789\u2007\n")
    assert Customer.objects.values_list("name", "email", "phone").get() == (
        "Ada",
        "ada@x.io",
        "0123 456789",
    )


def test_words_like_na_and_null_are_names_and_leading_zeros_stay(db):
    run(HEADER + "1,NA,na@x.io,0123 456789\n2,null,null@x.io,\n3,None,n@x.io,\n")
    assert list(Customer.objects.values_list("name", "phone")) == [
        ("NA", "0123 456789"),
        ("null", ""),
        ("None", ""),
    ]


def test_formula_prefix_of_an_export_is_removed_on_import(db):
    run(HEADER + "1,'=1+2,'-x@y.io,'+44 20 7946 0958\n2,'Tis,t@x.io,\n")
    assert list(Customer.objects.values_list("name", "email", "phone")) == [
        ("=1+2", "-x@y.io", "+44 20 7946 0958"),
        ("'Tis", "t@x.io", ""),
    ]


def test_the_same_bad_value_gets_the_forms_message(db):
    from customers.forms import CustomerForm

    form = CustomerForm({"name": "Ada", "email": "ada@", "phone": "5.55E+09"})
    assert not form.is_valid()
    report = run(HEADER + "1,Ada,ada@,5.55E+09\n")
    assert [error.message for error in report.errors] == [
        form.errors["email"][0],
        form.errors["phone"][0],
    ]
    assert state() == ([], 0, 0)


# Fast path and scalar path agree -------------------------------------------------


def scalar(key: str, value: str):
    try:
        return True, clean_cell(key, value)
    except ValidationError:
        return False, None


likely = {
    "id": st.from_regex(r"\A[0-9]{1,20}\Z") | st.sampled_from(["", "007", "1e3"]),
    "name": st.text(
        alphabet=st.sampled_from(list("aZé Ã ªµ.,'&()/-0\u0301\u00a0\u200b\t=+")),
        max_size=12,
    )
    # UTF-8 read as cp1252 or Latin-1: Ã¼ Ã‰ ÃŸ Å‚ Â², and decomposed letters.
    | st.text(
        alphabet=st.sampled_from(list("ÂÃÄÅâaS ²¼Ÿ‰‚€™\u0301\u0308\u0089\u009f")),
        max_size=10,
    )
    | st.sampled_from(["JÃ¼rgen MÃ¼ller", "StraÃŸe", "Ã‰mile", "Â²", "e\u0301mile"])
    | st.text(alphabet="ab", min_size=195, max_size=205),
    "email": st.from_regex(r"\A[a-z0-9_%+.'-]{0,6}@[a-z0-9.-]{0,8}\.[a-z]{0,4}\Z")
    | st.text(alphabet="a", min_size=240, max_size=260).map(lambda s: s + "@x.io"),
    "phone": st.from_regex(r"\A'?\+?[0-9]{6,15}[.,]0{1,2}\Z")
    | st.from_regex(r"\A'?\+?[0-9 ()./x-]{0,44}\Z")
    | st.from_regex(r"\A'?\+?\(?[0-9]{2,4}\)?[ .-]{0,3}[0-9]{3,8}[ /-]?[0-9]{0,6}\Z"),
}


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(FAST_PATTERNS))
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_accept_implies_scalar_accept_with_the_same_value(key, data):
    values = data.draw(st.lists(likely[key] | st.text(max_size=30), max_size=20))
    accepted, cleaned = fast_check(key, pa.array(values, pa.string()))
    for value, fast, fast_value in zip(values, accepted, cleaned, strict=True):
        if fast:
            ok, expected = scalar(key, value)
            assert ok, f"fast path accepted {value!r} that the rules refuse"
            assert fast_value.as_py() == expected


def test_the_fast_path_accepts_ordinary_values():
    samples = {
        "id": "42",
        "name": "Zoë O'Brien-Smith",
        "email": "ada.lovelace+crm@example.co.uk",
        "phone": "'+44 20 7946 0958",
    }
    for key, value in samples.items():
        accepted, _ = fast_check(key, pa.array([value]))
        assert accepted[0], key


@pytest.mark.parametrize("value", ["JÃ¼rgen MÃ¼ller", "Â²", "StraÃŸe", "Ã‰mile"])
def test_the_fast_path_never_accepts_mojibake_the_rules_refuse(value):
    accepted, _ = fast_check("name", pa.array([value]))
    assert not accepted[0]
    assert scalar("name", value) == (False, None)


@pytest.mark.parametrize(
    ("name", "shown"),
    [("StraÃŸe", "ÃŸ"), ("Ã‰mile", "Ã‰"), ("JÃ¼rgen MÃ¼ller", "Ã¼"), ("Å‚ukasz", "Å‚")],
)
def test_mojibake_of_european_letters_is_refused_and_nothing_written(db, name, shown):
    report = run(HEADER + f"1,{name},a@x.io,\n")
    assert messages(report) == [
        f"line 2, column Name: Looks garbled by a wrong encoding ({shown}, as when "
        "é shows as Ã©); correct the text, or the encoding of the file it came "
        f'from. ("{name}")'
    ]
    assert state() == ([], 0, 0)


def test_names_are_stored_composed_whatever_their_unicode_form(db):
    run(HEADER + "1,E\u0301mile Zoe\u0308,e@x.io,\n2,Émile Zoë,z@x.io,\n")
    names = list(Customer.objects.values_list("name", flat=True))
    assert names == ["Émile Zoë", "Émile Zoë"]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)


def test_phone_or_id_with_a_spreadsheets_decimal_suffix_is_refused(db):
    report = run(HEADER + "1,Ada,a@x.io,15551234567.0\n42.0,Bo,b@x.io,\n")
    assert messages(report) == [
        "line 2, column Phone: Looks like a spreadsheet stored this phone number as "
        "a decimal number (15551234567.0, with .0 added); format the column as text "
        'and export again, or remove the .0. ("15551234567.0")',
        "line 3, column ID: Looks like a spreadsheet stored this ID as a decimal "
        "number (42.0); write it as 42, or format the column as text and export "
        'again. ("42.0")',
    ]
    assert state() == ([], 0, 0)


def test_phone_that_lost_its_leading_zero_is_refused_when_others_keep_theirs(db):
    report = run(
        HEADER + "1,Ada,a@x.io,07700900123\n2,Bo,b@x.io,07700900456\n"
        "3,Cy,c@x.io,7700900789\n"
    )
    assert messages(report) == [
        "line 4, column Phone: Looks like a spreadsheet dropped this phone number's "
        "leading zero (other phones in this file start with 0); format the column "
        "as text and export again, or write the number with its 0 or its +country "
        'code. ("7700900789")'
    ]
    assert state() == ([], 0, 0)


def test_phones_without_zeros_are_fine_when_the_file_is_not_national(db):
    report = run(HEADER + "1,Ada,a@x.io,7700900123\n2,Bo,b@x.io,+44 7700 900456\n")
    assert report.errors == []
    assert Customer.objects.count() == 2
