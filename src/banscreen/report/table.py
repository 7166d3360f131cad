"""A terminal table of the rows with findings, for people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from banscreen.model import AndroidResult, AssetResult, LoadIssue, Outcome, PartyResult, ShipmentResult
from banscreen.report.findings import match_reason
from banscreen.report.interface import Formatter, RunSummary, vendor_summary

RIGHT = {"justify": "right"}


@dataclass(frozen=True)
class Layout:
    """What one screen's table shows: its title, columns, rows per result and footer."""

    title: str
    columns: tuple[tuple[str, dict], ...]
    rows: Callable[[object], Iterable[tuple[str, ...]]]
    footer: Callable[[RunSummary], str]  # the run's one-line summary


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def summary_line(screen: str, s: RunSummary) -> str:
    """The run's summary, as the table's footer and the CLI's note on stderr."""
    return LAYOUTS[screen].footer(s)


def _party_rows(item: PartyResult) -> Iterable[tuple[str, ...]]:
    s = item.subject
    for m in item.matches:
        e = m.entry
        window = f"{e.start_date or '?'} .. {e.end_date or 'now'}"
        why = match_reason(m.explanation.features)
        if m.explanation.country != "unknown":
            why += f" | country {m.explanation.country}"
        listed = e.name if m.matched_name == e.name else f"{e.name}\n(as '{m.matched_name}')"
        yield str(s.row), escape(s.name), e.list, escape(listed), f"{m.score:.2f}", window, escape(why)
    for d in item.destinations:
        yield (str(s.row), escape(s.name), f"embargo {d.code}", d.place, "",
               f"{d.start_date} .. {d.end_date or 'now'}", escape(d.evidence))


def _equipment_rows(item: AssetResult) -> Iterable[tuple[str, ...]]:
    by_vendor: dict[str, list] = {}
    for f in item.findings:
        by_vendor.setdefault(f.vendor, []).append(f)
    for findings in by_vendor.values():
        f = findings[0]
        lists = ", ".join(f"{x.entry.list} ({x.entry.start_date})" for x in findings)
        signals = "\n".join(f"{s.kind}: {s.detail}" for s in f.signals)
        yield (str(item.asset.row), escape(item.asset.label), f.entity, lists,
               f"{f.level} ({f.confidence:.2f})", escape(signals))


def _android_rows(item: AndroidResult) -> Iterable[tuple[str, ...]]:
    for f in item.findings:
        yield escape(item.package or item.path), f.severity, escape(f.indicator), escape(f.evidence)


def _shipment_rows(item: ShipmentResult) -> Iterable[tuple[str, ...]]:
    s = item.shipment
    reasons = "\n".join(
        f"{r.outcome.value}: {r.role.replace('_', ' ') + ' ' if r.role else ''}{r.party} -> "
        f"{r.list} {r.entry_name or r.entry_id}" + (f" ({r.score:.2f})" if r.score is not None else "")
        for r in item.reasons)
    yield (str(s.row), escape(s.label), str(item.as_of), escape(s.destination), s.eccn or "unknown",
           item.outcome.value, escape(reasons))


def _shipment_footer(s: RunSummary) -> str:
    counts = ", ".join(f"{s.by_outcome.get(o.value, 0):,} {o.value}" for o in Outcome)
    return f"{_n(s.rows, 'row')} read: {counts}; {s.errors:,} unreadable"


LAYOUTS = {
    "parties": Layout(
        "Screening findings",
        (("Row", RIGHT), ("Input", {}), ("List", {}), ("Listed name", {}), ("Score", RIGHT), ("In force", {}),
         ("Why", {})),
        _party_rows, lambda s: f"{_n(s.rows, 'row')} screened, {s.hits:,} with findings, {s.errors:,} unreadable"),
    "equipment": Layout(
        "Covered equipment",
        (("Row", RIGHT), ("Asset", {}), ("Covered entity", {}), ("Lists (since)", {}), ("Confidence", {}),
         ("Signals", {})),
        _equipment_rows, lambda s: f"{_n(s.rows, 'asset')} screened, {s.hits:,} with covered-vendor findings, "
                                 f"{s.errors:,} unreadable"),
    "android": Layout(
        "Android findings",
        (("Unit", {}), ("Severity", {}), ("Indicator", {}), ("Evidence", {})),
        _android_rows, lambda s: f"{_n(s.rows, 'unit')} scanned, {s.hits:,} with findings, {s.errors:,} unreadable"),
    "shipments": Layout(
        "Shipment outcomes (list restrictions only: not a licence determination)",
        (("Row", RIGHT), ("Shipment", {}), ("Ship date", {}), ("Destination", {}), ("ECCN", {}), ("Outcome", {}),
         ("Reasons", {})),
        _shipment_rows, _shipment_footer),
}


class TableFormat(Formatter):
    format = "table"

    def __init__(self, screen: str = "parties", context=None, console: Console | None = None):
        self.console = console
        self.screen = screen

    def write(self, items: Iterable[PartyResult | AssetResult | LoadIssue], out: TextIO) -> RunSummary:
        console = self.console or Console(file=out, width=160 if not out.isatty() else None)
        layout = LAYOUTS.get(self.screen, LAYOUTS["parties"])
        summary = RunSummary()
        table = Table(title=layout.title, show_lines=True)
        for col, kw in layout.columns:
            table.add_column(col, **kw)
        errors = []
        for item in items:
            summary.add(item)
            if isinstance(item, LoadIssue):
                errors.append(item)
                continue
            for row in layout.rows(item):
                table.add_row(*row)
        if table.row_count:
            console.print(table)
        for line in vendor_summary(summary):  # empty unless equipment was screened
            console.print(escape(line))
        for issue in errors:
            console.print(f"[red]error[/red] {escape(str(issue))}")
        console.print(layout.footer(summary))
        return summary
