"""The tabular-reader interface: a reader turns a file (CSV/TSV, XLSX, JSON Lines,
Parquet) into header-keyed rows, reporting rows it cannot read as issues with their
line numbers instead of stopping."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar, Iterable, Iterator, Mapping, NamedTuple

from banscreen.model import MAX_NAME_CHARS, LoadIssue


class RawRow(NamedTuple):
    line: int  # 1-based physical line (CSV/JSONL) or sheet row (XLSX)
    fields: dict[str, str]


class RowReader(ABC):
    format: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    @abstractmethod
    def rows(self, path: Path) -> Iterator[RawRow | LoadIssue]:
        """Rows keyed by header, in file order; unreadable rows as issues."""

    def checked_rows(self, path: Path) -> Iterator[RawRow | LoadIssue]:
        """`rows`, with a row holding a NUL character turned into an issue: no text
        column of PostgreSQL can store one, and no real name contains one."""
        return without_nul(self.rows(path), str(path))


def without_nul(items: Iterable[RawRow | LoadIssue], source: str) -> Iterator[RawRow | LoadIssue]:
    """Rows passed through, except one with a NUL character, which becomes an issue."""
    for item in items:
        if isinstance(item, RawRow) and (bad := nul_column(item.fields)) is not None:
            yield nul_issue(source, item.line, bad)
            continue
        yield item


def nul_column(fields: Mapping[str, object]) -> str | None:
    """The first column whose value holds a NUL character, if any."""
    return next((str(c) for c, v in fields.items() if isinstance(v, str) and "\x00" in v), None)


def nul_issue(source: str, line: int, column: str) -> LoadIssue:
    return LoadIssue(source, line, f"a NUL character in column {column!r}: row not screened")


def long_name_issue(source: str, line: int, column: str, name: str) -> LoadIssue | None:
    """A row error for a name longer than model.MAX_NAME_CHARS, else None."""
    if len(name) <= MAX_NAME_CHARS:
        return None
    return LoadIssue(source, line, f"the name in column {column!r} has {len(name):,} characters, more than "
                                   f"{MAX_NAME_CHARS:,}: row not screened")
