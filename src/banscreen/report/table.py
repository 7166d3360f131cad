"""A terminal table of the rows with findings, for people."""

from __future__ import annotations

from typing import Iterable, TextIO

from rich.console import Console
from rich.table import Table

from banscreen.model import LoadIssue, PartyResult
from banscreen.report.interface import Formatter, RunSummary


class TableFormat(Formatter):
    format = "table"

    def __init__(self, console: Console | None = None):
        self.console = console

    def write(self, items: Iterable[PartyResult | LoadIssue], out: TextIO) -> RunSummary:
        console = self.console or Console(file=out, width=160 if not out.isatty() else None)
        summary = RunSummary()
        table = Table(title="Screening findings", show_lines=True)
        for col, kw in (("Row", {"justify": "right"}), ("Input", {}), ("List", {}), ("Listed name", {}),
                        ("Score", {"justify": "right"}), ("In force", {}), ("Why", {})):
            table.add_column(col, **kw)
        errors = []
        for item in items:
            summary.add(item)
            if isinstance(item, LoadIssue):
                errors.append(item)
                continue
            s = item.subject
            for m in item.matches:
                e = m.entry
                window = f"{e.start_date or '?'} .. {e.end_date or 'now'}"
                why = next((f.detail for f in m.explanation.features if f.name in ("exact", "tokens")), "")
                if m.explanation.country != "unknown":
                    why += f" | country {m.explanation.country}"
                listed = e.name if m.matched_name == e.name else f"{e.name}\n(as '{m.matched_name}')"
                table.add_row(str(s.row), s.name, e.list, listed, f"{m.score:.2f}", window, why)
            for d in item.destinations:
                table.add_row(str(s.row), s.name, f"embargo {d.code}", d.place, "", f"{d.start_date} .. "
                              f"{d.end_date or 'now'}", f"{d.evidence}")
        if table.row_count:
            console.print(table)
        for issue in errors:
            console.print(f"[red]error[/red] {issue}")
        console.print(f"{summary.rows} rows screened, {summary.hits} with findings, {summary.errors} unreadable")
        return summary
