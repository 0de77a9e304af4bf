"""customers.importing.report: the rejected-rows report."""

from __future__ import annotations

import io

from customers.importing.report import write_rejected_rows
from tests.importing import run


def test_rejected_rows_report_keeps_the_original_columns_plus_line_and_error(db):
    report = run(
        "ID,Name,Email,Notes\n1,A,a@x.io,ok\n2,=B(),bad,note\n3,X,x@x.io,a,b\n"
    )
    out = io.StringIO()
    assert write_rejected_rows(report, out) == 2
    assert out.getvalue() == (
        "ID,Name,Email,Notes,line,error\n"
        "2,'=B(),bad,note,3,\"Email: Enter a valid email address, like "
        'name@example.com."\n'
        "3,X,x@x.io,a,b,4,This row has 5 fields but the header has 4 (an unquoted "
        "delimiter inside a value? Quote the value).\n"
    )


def test_rejected_rows_report_neutralises_formulas_in_the_header_too(db):
    report = run("ID,Name,Email,=HYPERLINK(1)\n1,A,bad,x\n")
    out = io.StringIO()
    write_rejected_rows(report, out)
    assert out.getvalue().splitlines()[0] == "ID,Name,Email,'=HYPERLINK(1),line,error"
