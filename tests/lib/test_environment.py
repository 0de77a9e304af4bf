from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from customer_flow.lib.environment import env_bool, env_int, env_list

# Through a name, so that tests/system/test_environment.py does not take it for
# a variable the app reads.
NAME = "CF_TEST_VARIABLE"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), (" Yes ", True), ("ON", True), ("0", False), ("false", False)],
)
def test_a_flag_reads_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, not expected) is expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_an_unset_or_blank_flag_is_the_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(NAME, raising=False)
    else:
        monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, True) is True


def test_any_other_flag_value_names_the_variable(monkeypatch):
    monkeypatch.setenv(NAME, "maybe")
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be true or false"):
        env_bool(NAME, False)


def test_a_number_or_its_default(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    assert env_int(NAME, 30) == 30
    monkeypatch.setenv(NAME, "5")
    assert env_int(NAME, 30) == 5


def test_a_list_splits_at_commas(monkeypatch):
    monkeypatch.setenv(NAME, "a, b,,c ")
    assert env_list(NAME, "") == ["a", "b", "c"]
    monkeypatch.delenv(NAME)
    assert env_list(NAME, "x,y") == ["x", "y"]
