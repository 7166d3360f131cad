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
            record = self._error_record(item) if isinstance(item, LoadIssue) else row_record(item)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return summary

    def _error_record(self, issue: LoadIssue) -> dict:
        """An unreadable row or input with the keys of a readable one, empty, and the error."""
        if self.screen == "android":
            return {"path": issue.path, "line": issue.line, "package": None, "findings": [], "error": issue.reason}
        empty = {"findings": []} if self.screen == "equipment" else {"matches": [], "destinations": []}
        return {**row_record(issue), **empty}
