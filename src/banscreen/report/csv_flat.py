"""Flat CSV: one line per finding (a list match or a destination), for spreadsheets."""

from __future__ import annotations

import csv
from typing import Iterable, TextIO

from banscreen.model import LoadIssue, PartyResult
from banscreen.report.interface import Formatter, RunSummary

COLUMNS = ["row", "line", "input_name", "input_country", "finding", "list", "entry_id", "name", "matched_name",
           "score", "start_date", "end_date", "list_version", "detail", "citation"]


class CsvFormat(Formatter):
    format = "csv"

    def write(self, items: Iterable[PartyResult | LoadIssue], out: TextIO) -> RunSummary:
        summary = RunSummary()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(COLUMNS)
        for item in items:
            summary.add(item)
            if isinstance(item, LoadIssue):
                w.writerow(["", item.line, "", "", "error", "", "", "", "", "", "", "", "", item.reason, ""])
                continue
            s = item.subject
            for m in item.matches:
                e = m.entry
                detail = "; ".join(f"{f.name}: {f.detail}" for f in m.explanation.features)
                w.writerow([s.row, s.line, s.name, s.country, "list_match", e.list, e.entry_id, e.name,
                            m.matched_name, f"{m.score:.4f}", e.start_date or "", e.end_date or "",
                            m.list_version, detail, e.citation])
            for d in item.destinations:
                w.writerow([s.row, s.line, s.name, s.country, "destination", d.code, "", d.place, "", "",
                            d.start_date or "", d.end_date or "", "", f"{d.program}: {d.evidence}", d.citation])
        return summary
