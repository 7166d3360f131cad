"""Flat CSV: one line per finding, with the same columns for every screen, for
spreadsheets (a shipment: one line per reason, its rule the reason's outcome; one line
for a shipment with none). A row that could not be read is a line with rule "input/unreadable". Text
cells that a spreadsheet would run as a formula are neutralized (report/safety.py)."""

from __future__ import annotations

import csv
from typing import Iterable, TextIO

from banscreen.model import AssetResult, LoadIssue, Outcome, PartyResult, ShipmentResult
from banscreen.report.findings import report_findings
from banscreen.report.interface import Formatter, RunSummary
from banscreen.report.safety import spreadsheet_cell

COLUMNS = ["screen", "file", "row", "line", "subject", "rule", "severity", "list", "entry_id", "entry_name",
           "start_date", "end_date", "score", "list_version", "message", "citation"]


class CsvFormat(Formatter):
    format = "csv"

    def __init__(self, screen: str = "parties", context=None):
        self.screen = screen

    def write(self, items: Iterable[PartyResult | AssetResult | LoadIssue], out: TextIO) -> RunSummary:
        summary = RunSummary()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)

        def write_row(row: list) -> None:  # every cell through spreadsheet_cell; a lone CR becomes LF
            writer.writerow([_one_newline(spreadsheet_cell(v)) for v in row])

        for item in items:
            summary.add(item)
            if isinstance(item, LoadIssue):
                write_row([self.screen, item.path, "", item.line, "", "input/unreadable", "error", "", "", "", "", "",
                            "", "", item.reason, ""])
                continue
            if isinstance(item, ShipmentResult) and not item.reasons:
                # every shipment gets its outcome in the file, the clear ones too
                s = item.shipment
                write_row(["shipments", s.source, s.row, s.line, s.label, f"shipments/{Outcome.NONE.value}", "note", "",
                           "", "", "", "", "", "", f"no list restriction found as of {item.as_of}", ""])
            for f in report_findings(item):
                write_row([f.screen, f.file, f.row, f.line, f.subject, f.rule, f.severity, f.list, f.entry_id,
                            f.entry_name, f.start_date or "", f.end_date or "",
                            "" if f.score is None else f"{f.score:.4f}", f.list_version, f.message, f.citation])
        return summary


def _one_newline(value):
    """Line breaks inside a cell as LF: the writer quotes a cell with the line terminator
    (LF) in it, not one with a bare CR, which readers would take for a new row."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value
