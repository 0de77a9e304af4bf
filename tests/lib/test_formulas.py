"""customer_flow.lib.formulas: spreadsheet formulas neutralised and restored. No
database."""

from __future__ import annotations

from customer_flow.lib.formulas import neutralise_formula, restore_formula


def test_neutralising_is_undone_exactly_by_restoring():
    for value in ["=1", "+44", "-", "@a", "\tx", "'=1", "''+1", "'plain", "plain", ""]:
        assert restore_formula(neutralise_formula(value)) == value
    assert neutralise_formula("'=1") == "''=1"
    assert neutralise_formula("'plain") == "'plain"
