"""The report interface: one formatter per output format, each writing screening results
(and the rows that could not be read) to a text stream."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Iterable, TextIO

from banscreen.model import LoadIssue, PartyResult


@dataclass
class RunSummary:
    """Counts a formatter gathers while writing, for the CLI's exit code and footer."""

    rows: int = 0
    hits: int = 0
    errors: int = 0
    by_list: dict[str, int] = field(default_factory=dict)

    def add(self, item: PartyResult | LoadIssue) -> None:
        self.rows += 1
        if isinstance(item, LoadIssue):
            self.errors += 1
            return
        if item.hit:
            self.hits += 1
        for m in item.matches:
            self.by_list[m.entry.list] = self.by_list.get(m.entry.list, 0) + 1
        for d in item.destinations:
            key = f"destination:{d.code}"
            self.by_list[key] = self.by_list.get(key, 0) + 1


class Formatter(ABC):
    format: ClassVar[str]

    @abstractmethod
    def write(self, items: Iterable[PartyResult | LoadIssue], out: TextIO) -> RunSummary:
        """Write every item (streaming where the format allows) and return the counts."""
