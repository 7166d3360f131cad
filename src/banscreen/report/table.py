"""A terminal table of the rows with findings, for people."""

from __future__ import annotations

from typing import Iterable, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from banscreen.model import AssetResult, LoadIssue, PartyResult
from banscreen.report.interface import Formatter, RunSummary, vendor_summary


class TableFormat(Formatter):
    format = "table"

    def __init__(self, screen: str = "parties", context=None, console: Console | None = None):
        self.console = console
        self.screen = screen

    def write(self, items: Iterable[PartyResult | AssetResult | LoadIssue], out: TextIO) -> RunSummary:
        console = self.console or Console(file=out, width=160 if not out.isatty() else None)
        if self.screen == "equipment":
            return self._equipment(items, console)
        if self.screen == "android":
            return self._android(items, console)
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
                table.add_row(str(s.row), escape(s.name), e.list, escape(listed), f"{m.score:.2f}", window, escape(why))
            for d in item.destinations:
                table.add_row(str(s.row), escape(s.name), f"embargo {d.code}", d.place, "", f"{d.start_date} .. "
                              f"{d.end_date or 'now'}", escape(d.evidence))
        if table.row_count:
            console.print(table)
        for issue in errors:
            console.print(f"[red]error[/red] {escape(str(issue))}")
        console.print(f"{summary.rows} rows screened, {summary.hits} with findings, {summary.errors} unreadable")
        return summary

    def _equipment(self, items: Iterable[AssetResult | LoadIssue], console: Console) -> RunSummary:
        summary = RunSummary()
        table = Table(title="Covered equipment", show_lines=True)
        for col, kw in (("Row", {"justify": "right"}), ("Asset", {}), ("Covered entity", {}), ("Lists (since)", {}),
                        ("Confidence", {}), ("Signals", {})):
            table.add_column(col, **kw)
        errors = []
        for item in items:
            summary.add(item)
            if isinstance(item, LoadIssue):
                errors.append(item)
                continue
            by_vendor: dict[str, list] = {}
            for f in item.findings:
                by_vendor.setdefault(f.vendor, []).append(f)
            for findings in by_vendor.values():
                f = findings[0]
                lists = ", ".join(f"{x.entry.list} ({x.entry.start_date})" for x in findings)
                signals = "\n".join(f"{s.kind}: {s.detail}" for s in f.signals)
                table.add_row(str(item.asset.row), escape(item.asset.label), f.entity, lists,
                              f"{f.level} ({f.confidence:.2f})", escape(signals))
        if table.row_count:
            console.print(table)
        for line in vendor_summary(summary):
            console.print(escape(line))
        for issue in errors:
            console.print(f"[red]error[/red] {escape(str(issue))}")
        console.print(f"{summary.rows} assets screened, {summary.hits} with covered-vendor findings, "
                      f"{summary.errors} unreadable")
        return summary

    def _android(self, items, console: Console) -> RunSummary:
        summary = RunSummary()
        table = Table(title="Android findings", show_lines=True)
        for col in ("Unit", "Severity", "Indicator", "Evidence"):
            table.add_column(col)
        errors = []
        for item in items:
            summary.add(item)
            if isinstance(item, LoadIssue):
                errors.append(item)
                continue
            for f in item.findings:
                table.add_row(escape(item.package or item.path), f.severity, escape(f.indicator), escape(f.evidence))
        if table.row_count:
            console.print(table)
        for issue in errors:
            console.print(f"[red]error[/red] {escape(str(issue))}")
        console.print(f"{summary.rows} units scanned, {summary.hits} with findings, {summary.errors} unreadable")
        return summary
