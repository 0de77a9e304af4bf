"""customers.importing.csv_reading: a file's bytes read into text columns."""

from __future__ import annotations

import codecs
import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_flow.lib.row_errors import FileRefused
from customers.importing.csv_reading import detect_delimiter, read_chunks, read_csv


def rows_of(data: bytes, **options) -> list[tuple[int, list[str]]]:
    table = read_csv(data, **options)
    values = [list(row.values()) for row in table.columns.to_pylist()]
    return list(zip(table.lines.tolist(), values, strict=True))


def refusal(data: bytes, **options) -> str:
    with pytest.raises(FileRefused) as refused:
        read_csv(data, **options)
    return str(refused.value.error)


def test_line_numbers_stay_physical_when_quoted_values_hold_line_breaks():
    data = b'ID,Name\n1,"two\nlines"\n\n2,"three\r\nmore\nlines"\n3,x\n'
    assert rows_of(data) == [
        (2, ["1", "two\nlines"]),
        (5, ["2", "three\r\nmore\nlines"]),
        (8, ["3", "x"]),
    ]


def test_crlf_lone_cr_and_a_missing_final_line_break_are_all_line_ends():
    assert rows_of(b"ID,Name\r\n1,a\r\n2,b") == [(2, ["1", "a"]), (3, ["2", "b"])]
    assert rows_of(b"ID,Name\r1,a\r2,b\r") == [(2, ["1", "a"]), (3, ["2", "b"])]


def test_values_stay_text_exactly():
    data = b'ID,Name,Phone\n1,NA,0123 456789\n2,null,""\n3,None,\n'
    assert [values for _, values in rows_of(data)] == [
        ["1", "NA", "0123 456789"],
        ["2", "null", ""],
        ["3", "None", ""],
    ]


def test_quoted_delimiters_quotes_and_a_literal_quote_in_an_unquoted_value():
    data = b'ID,Name\n1,"Doe, ""JD"" John"\n2,O"Brien\n'
    assert rows_of(data) == [(2, ["1", 'Doe, "JD" John']), (3, ["2", 'O"Brien'])]


def test_unterminated_quote_is_refused_with_the_line_where_it_opens():
    data = b'ID,Name\n1,a\n2,"never closed\n3,b\n4,c\n'
    assert refusal(data) == (
        'line 3: A quoted value starts here and is never closed: a " is missing.'
    )


@pytest.mark.parametrize(
    ("row", "fields"), [(b"1,a,extra", "3 fields"), (b"1", "1 field")]
)
def test_rows_with_another_number_of_fields_than_the_header_are_reported(row, fields):
    table = read_csv(b"ID,Name\n0,ok\n" + row + b"\n2,b\n")
    assert [str(error) for error in table.errors] == [
        f"line 3: This row has {fields} but the header has 2"
        + (
            " (an unquoted delimiter inside a value? Quote the value)."
            if fields == "3 fields"
            else "."
        )
    ]
    assert table.lines.tolist() == [2, 4]
    assert table.malformed == [(3, row.decode().split(","))]


def test_text_after_a_closing_quote_marks_the_row_and_its_column():
    table = read_csv(b'ID,Name\n1,"ab"cd\n2,ok\n')
    assert table.stray_quotes == {0: 1}
    assert table.lines.tolist() == [2, 3]


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [
        ("ID,Name,Email", ","),
        ("ID;Name;Email", ";"),
        ("ID\tName\tEmail", "\t"),
        ('"Name; first",ID,Email', ","),
        ("ID", ","),
    ],
)
def test_delimiter_is_recognised_from_the_header_line(header, delimiter):
    assert detect_delimiter(header) == delimiter


def test_semicolon_file_reads_with_its_delimiter():
    assert rows_of(b"ID;Name\n1;a,b\n") == [(2, ["1", "a,b"])]
    assert rows_of(b"ID;Name\n1;a\n", delimiter=";") == [(2, ["1", "a"])]


@pytest.mark.parametrize(
    "encoded",
    [
        "ID,Name\n1,Zoë\n".encode(),
        codecs.BOM_UTF8 + "ID,Name\n1,Zoë\n".encode(),
        "ID,Name\n1,Zoë\n".encode("utf-16"),
        codecs.BOM_UTF16_BE + "ID,Name\n1,Zoë\n".encode("utf-16-be"),
        codecs.BOM_UTF32_LE + "ID,Name\n1,Zoë\n".encode("utf-32-le"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16-be", "utf32"],
)
def test_utf8_with_or_without_bom_and_utf16_by_its_bom_decode(encoded):
    table = read_csv(encoded)
    assert table.header == ["ID", "Name"]
    assert rows_of(encoded) == [(2, ["1", "Zoë"])]


def test_windows_1252_is_refused_with_the_line_and_a_hint():
    data = "ID,Name\n1,Ada\n2,Zoë\n".encode("cp1252")
    assert refusal(data) == (
        "line 3: This file is not UTF-8: byte 0xEB cannot be read; it looks like "
        "Windows-1252: use --encoding cp1252."
    )
    assert rows_of(data, encoding="cp1252")[1] == (3, ["2", "Zoë"])


def test_empty_and_blank_files_have_no_header():
    assert read_csv(b"").header == []
    assert read_csv(b"\n\r\n  \n").header == []


# Property: the reader agrees with Python's csv module on any well-formed file,
# and every row's line is the physical line where csv.reader found it.
cell = st.text(
    alphabet=st.sampled_from(list("ab ,;\"\n\r\t'=é")), max_size=6
) | st.sampled_from(["", "NA", "0123"])


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    terminator=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_reader_matches_python_csv_and_its_line_numbers(
    rows, delimiter, terminator, quoting
):
    if terminator == "\n":
        # csv.writer leaves a lone CR unquoted unless it is in the terminator.
        quoting = csv.QUOTE_ALL
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=delimiter, lineterminator=terminator, quoting=quoting
    )
    writer.writerow(["ID", "Name", "Email"])
    writer.writerows(rows)
    text = buffer.getvalue()

    # csv.reader counts the lines it has read: a row starts on the line after the
    # one where the previous row ended. Both readers skip blank lines.
    expected, physical, previous = [], [], 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for row in reader:
        if row:
            expected.append(row)
            physical.append(previous + 1)
        previous = reader.line_num
    expected, physical = expected[1:], physical[1:]

    table = read_csv(text.encode(), delimiter=delimiter)
    got = [list(row.values()) for row in table.columns.to_pylist()]
    assert got == expected
    assert table.lines.tolist() == physical
    assert not table.errors and not table.stray_quotes


def test_a_file_read_in_small_chunks_gives_the_same_rows_lines_and_errors():
    data = (
        b'ID,Name\r\n1,"two\nlines"\r\n\r\n2,"a ""quoted""\r\nvalue"\r\n'
        b'3,x,extra\r\n4,"stray"x\r\n'
        + b"".join(b"%d,n%d\r\n" % (i, i) for i in range(5, 40))
        + b'40,"last\nline"'
    )
    whole = read_csv(data)
    chunks = list(
        read_chunks([data[i : i + 7] for i in range(0, len(data), 7)], chunk_bytes=16)
    )
    assert len(chunks) > 5
    assert all(chunk.header == ["ID", "Name"] for chunk in chunks)
    lines = [line for chunk in chunks for line in chunk.lines.tolist()]
    values = [row for chunk in chunks for row in chunk.columns.to_pylist()]
    assert lines == whole.lines.tolist()
    assert values == whole.columns.to_pylist()
    assert [e for chunk in chunks for e in chunk.errors] == whole.errors
    assert [m for chunk in chunks for m in chunk.malformed] == whole.malformed
    strays = [
        (int(c.lines[r]), col) for c in chunks for r, col in c.stray_quotes.items()
    ]
    assert strays == [(int(whole.lines[r]), c) for r, c in whole.stray_quotes.items()]
    assert lines[-1] == 44


def test_a_multibyte_character_cut_between_blocks_is_read_whole():
    data = "ID,Name\n1,Jürgen Müller\n2,Zoë\n".encode()
    blocks = [data[i : i + 1] for i in range(len(data))]
    rows = [
        row
        for chunk in read_chunks(blocks, chunk_bytes=4)
        for row in chunk.columns.to_pylist()
    ]
    assert rows == [{"c0": "1", "c1": "Jürgen Müller"}, {"c0": "2", "c1": "Zoë"}]
    utf16 = "ID,Name\n1,Zoë\n".encode("utf-16")
    blocks = [utf16[i : i + 3] for i in range(0, len(utf16), 3)]
    rows = [
        row
        for chunk in read_chunks(blocks, chunk_bytes=4)
        for row in chunk.columns.to_pylist()
    ]
    assert rows == [{"c0": "1", "c1": "Zoë"}]


def test_bad_utf8_in_a_later_block_names_its_line():
    data = b"ID,Name\n" + b"1,a\n" * 1000 + b"2,caf\xe9\n"
    blocks = [data[i : i + 100] for i in range(0, len(data), 100)]
    with pytest.raises(FileRefused) as refused:
        list(read_chunks(blocks, chunk_bytes=50))
    assert refused.value.error.line == 1002
    assert "byte 0xE9" in str(refused.value.error)
