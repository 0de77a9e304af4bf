"""customer_flow.lib.formulas: spreadsheet formulas neutralised and restored. No
database."""

from __future__ import annotations

from customer_flow.lib.formulas import neutralise_formula, restore_formula


def test_neutralising_is_undone_exactly_by_restoring():
    for value in ["=1", "+44", "-", "@a", "\tx", "'=1", "''+1", "'plain", "plain", ""]:
        assert restore_formula(neutralise_formula(value)) == value
    for value in ["  =2+3", " \u00a0+1", "\n@x", "'  =1", "  plain", " "]:
        assert restore_formula(neutralise_formula(value)) == value
    assert neutralise_formula("'=1") == "''=1"
    assert neutralise_formula("'plain") == "'plain"


def test_a_formula_after_leading_whitespace_is_neutralised():
    assert neutralise_formula("  =2+3") == "'  =2+3"
    assert neutralise_formula("\u00a0\u2003-1+1") == "'\u00a0\u2003-1+1"
    assert neutralise_formula(" \n@SUM(A1)") == "' \n@SUM(A1)"
    assert neutralise_formula("  plain = text") == "  plain = text"
