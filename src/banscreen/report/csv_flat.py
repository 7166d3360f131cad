"""Flat CSV: one line per finding, for spreadsheets. Party screens write list matches
and destinations; equipment screens write covered-vendor findings. A row that could not
be read is a line with finding "error"."""

from __future__ import annotations

import csv
from typing import Iterable, TextIO

from banscreen.model import AssetResult, LoadIssue, PartyResult
from banscreen.report.interface import Formatter, RunSummary

COLUMNS = ["row", "line", "input_name", "input_country", "finding", "list", "entry_id", "name", "matched_name",
           "score", "start_date", "end_date", "list_version", "detail", "citation"]
EQUIPMENT_COLUMNS = ["row", "line", "file", "asset", "finding", "vendor", "entity", "list", "entry_id", "added",
                     "end_date", "confidence", "confidence_score", "signals", "citation"]


class CsvFormat(Formatter):
    format = "csv"

    def __init__(self, screen: str = "parties"):
        self.screen = screen

    def write(self, items: Iterable[PartyResult | AssetResult | LoadIssue], out: TextIO) -> RunSummary:
        summary = RunSummary()
        w = csv.writer(out, lineterminator="\n")
        columns = EQUIPMENT_COLUMNS if self.screen == "equipment" else COLUMNS
        w.writerow(columns)
        for item in items:
            summary.add(item)
            if isinstance(item, LoadIssue):
                row = dict.fromkeys(columns, "")
                row.update({"line": item.line, "finding": "error"})
                row["signals" if self.screen == "equipment" else "detail"] = item.reason
                if "file" in row:
                    row["file"] = item.path
                w.writerow(row.values())
            elif isinstance(item, AssetResult):
                a = item.asset
                for f in item.findings:
                    signals = "; ".join(f"{s.kind}={s.value} ({s.detail})" for s in f.signals)
                    w.writerow([a.row, a.line, a.source, a.label, "covered_vendor", f.vendor, f.entity, f.entry.list,
                                f.entry.entry_id, f.entry.start_date or "", f.entry.end_date or "", f.level,
                                f.confidence, signals, f.entry.citation])
            else:
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
