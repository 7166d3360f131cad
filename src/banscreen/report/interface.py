"""The report interface: one formatter per output format, each writing screening results
(and the rows that could not be read) to a text stream."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import singledispatch
from typing import ClassVar, Iterable, TextIO

from banscreen.model import AndroidResult, AssetResult, LoadIssue, PartyResult, ShipmentResult


def vendor_summary(summary: "RunSummary") -> list[str]:
    """'Huawei Technologies Co., Ltd.: 3 assets (2 high, 1 low)' lines, most assets first."""
    lines = []
    for entity, levels in sorted(summary.by_vendor.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(levels.values())
        parts = ", ".join(f"{levels[lv]} {lv}" for lv in ("high", "medium", "low") if lv in levels)
        lines.append(f"{entity}: {total} asset{'s' if total != 1 else ''} ({parts})")
    return lines


@dataclass
class RunSummary:
    """Counts a formatter gathers while writing, for the CLI's exit code and footer."""

    rows: int = 0
    hits: int = 0
    errors: int = 0
    by_list: dict[str, int] = field(default_factory=dict)
    by_vendor: dict[str, dict[str, int]] = field(default_factory=dict)  # vendor -> level -> assets
    by_outcome: dict[str, int] = field(default_factory=dict)  # shipments by outcome

    def add(self, item: PartyResult | AssetResult | AndroidResult | LoadIssue) -> None:
        self.rows += 1
        if isinstance(item, LoadIssue):
            self.errors += 1
            return
        if item.hit:
            self.hits += 1
        _count(item, self)

    def count_list(self, key: str) -> None:
        self.by_list[key] = self.by_list.get(key, 0) + 1


@singledispatch
def _count(item, summary: RunSummary) -> None:
    """Add a result's findings to the summary's counts by list (and by vendor)."""
    raise TypeError(f"not a screen result: {type(item).__name__}")


@_count.register
def _(item: AndroidResult, summary: RunSummary) -> None:
    for f in item.findings:
        summary.count_list(f.kind)


@_count.register
def _(item: AssetResult, summary: RunSummary) -> None:
    seen = set()
    for f in item.findings:
        summary.count_list(f.entry.list)
        if f.vendor not in seen:
            seen.add(f.vendor)
            levels = summary.by_vendor.setdefault(f.entity, {})
            levels[f.level] = levels.get(f.level, 0) + 1


@_count.register
def _(item: ShipmentResult, summary: RunSummary) -> None:
    summary.by_outcome[item.outcome.value] = summary.by_outcome.get(item.outcome.value, 0) + 1
    for r in item.reasons:
        summary.count_list(r.list)


@_count.register
def _(item: PartyResult, summary: RunSummary) -> None:
    for m in item.matches:
        summary.count_list(m.entry.list)
    for d in item.destinations:
        summary.count_list(f"destination:{d.code}")


class Formatter(ABC):
    """Constructed as Format(screen, context): `screen` is "parties", "equipment",
    "android" or "shipments"; `context` (a ReportContext) carries provenance for the formats that
    print it (HTML, SARIF)."""

    format: ClassVar[str]

    @abstractmethod
    def write(self, items: Iterable[PartyResult | AssetResult | LoadIssue], out: TextIO) -> RunSummary:
        """Write every item (streaming where the format allows) and return the counts."""
