"""The tabular-reader interface: a reader turns a file (CSV/TSV, XLSX, JSON Lines,
Parquet) into header-keyed rows, reporting rows it cannot read as issues with their
line numbers instead of stopping."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar, Iterator, NamedTuple

from banscreen.model import LoadIssue


class RawRow(NamedTuple):
    line: int  # 1-based physical line (CSV/JSONL) or sheet row (XLSX)
    fields: dict[str, str]


class RowReader(ABC):
    format: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    @abstractmethod
    def rows(self, path: Path) -> Iterator[RawRow | LoadIssue]:
        """Rows keyed by header, in file order; unreadable rows as issues."""
