"""customers.importing.rules: every value cleaned by the shared rules, fast or not."""

from __future__ import annotations

import pyarrow as pa
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.importing.rules import FAST_PATTERNS, clean_cell, fast_check
from customers.models import Customer
from tests.importing import HEADER, run


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
    | st.text(alphabet="ab", min_size=195, max_size=205),
    "email": st.from_regex(r"\A[a-z0-9_%+.'-]{0,6}@[a-z0-9.-]{0,8}\.[a-z]{0,4}\Z")
    | st.text(alphabet="a", min_size=240, max_size=260).map(lambda s: s + "@x.io"),
    "phone": st.from_regex(r"\A'?\+?[0-9 ()./x-]{0,44}\Z")
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
