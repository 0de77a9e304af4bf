"""customer_flow.lib.row_errors: where and why, in one line. No database."""

from __future__ import annotations

from customer_flow.lib.row_errors import FileRefused, RowError


def test_a_row_error_names_line_column_and_the_value_made_visible():
    error = RowError(4, "Name", "A\x00" + "b" * 70, "Bad.")
    assert str(error) == 'line 4, column Name: Bad. ("A\\u0000' + "b" * 58 + '…")'
    assert error.reason == "Name: Bad."
    assert str(RowError(None, None, None, "Whole file.")) == "Whole file."


def test_a_refused_file_carries_its_row_error():
    refused = FileRefused("Not JSON.", line=2, column="7")
    assert str(refused.error) == "line 2, column 7: Not JSON."
