"""JSON Lines: one object per input row, in input order (the documented contract)."""

from __future__ import annotations

import json
from typing import Iterable, TextIO

from banscreen.model import LoadIssue, PartyResult
from banscreen.report.interface import Formatter, RunSummary
from banscreen.report.records import row_record


class JsonLinesFormat(Formatter):
    format = "json"

    def write(self, items: Iterable[PartyResult | LoadIssue], out: TextIO) -> RunSummary:
        summary = RunSummary()
        for item in items:
            summary.add(item)
            out.write(json.dumps(row_record(item), ensure_ascii=False) + "\n")
        return summary
