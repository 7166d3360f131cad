"""The input-reader interface: a reader turns a file into header-keyed rows, reporting
rows it cannot read as issues with their line numbers instead of stopping."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Iterator, NamedTuple

from banscreen.model import LoadIssue


class SourceError(Exception):
    """An input that cannot be read at all: missing file, no header, no name column."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path, self.line, self.message = str(path), line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class RawRow(NamedTuple):
    line: int  # 1-based physical line (CSV/JSONL) or sheet row (XLSX)
    fields: dict[str, str]


@dataclass(frozen=True)
class ColumnMap:
    """Which input columns hold what; None means 'find it by its usual names'."""

    name: str | None = None
    country: str | None = None
    address: str | None = None
    id: str | None = None


class RowReader(ABC):
    format: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    @abstractmethod
    def rows(self, path: Path) -> Iterator[RawRow | LoadIssue]:
        """Rows keyed by header, in file order; unreadable rows as issues."""
