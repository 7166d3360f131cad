"""JSON Lines: one object per input row, in input order (the documented contract)."""

from __future__ import annotations

import json
from typing import Iterable, TextIO

from banscreen.model import AssetResult, LoadIssue, PartyResult
from banscreen.report.interface import Formatter, RunSummary
from banscreen.report.records import row_record


class JsonLinesFormat(Formatter):
    format = "json"

    def __init__(self, screen: str = "parties", context=None):
        self.screen = screen

    def write(self, items: Iterable[PartyResult | AssetResult | LoadIssue], out: TextIO) -> RunSummary:
        summary = RunSummary()
        for item in items:
            summary.add(item)
            if isinstance(item, LoadIssue) and self.screen == "android":  # a scan unit's keys, and the error
                record = {"path": item.path, "line": item.line, "package": None, "findings": [], "error": item.reason}
            else:
                record = row_record(item)
            if isinstance(item, LoadIssue) and self.screen != "android":  # same keys as a readable row, empty
                record.update({"findings": []} if self.screen == "equipment" else {"matches": [], "destinations": []})
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return summary
