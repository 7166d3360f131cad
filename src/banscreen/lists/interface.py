"""The list-loader interface: one loader per published format, each turning a file into
`ListEntry` objects and a report of the rows it could not use."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from banscreen.model import ListEntry, LoadIssue


class ListError(Exception):
    """A list file that cannot be used at all (missing, unreadable, wrong format)."""


class ListDropError(ListError):
    """A new version with so many entries fewer than the one before that it looks partial."""

    def __init__(self, message: str, before: int, after: int):
        super().__init__(message)
        self.before, self.after = before, after


@dataclass
class LoadResult:
    entries: list[ListEntry]
    rows: int  # data rows read, header lines excluded: equals the file's row count
    issues: list[LoadIssue] = field(default_factory=list)
    published: dt.date | None = None  # the data date the file itself states, if any
    # True when every entry carries its whole validity window (a curated history), so
    # the newest version is right for any as-of date.
    historical: bool = False


class ListLoader(ABC):
    format: ClassVar[str]  # short name used by `--format`
    dataset: ClassVar[str]  # default dataset (version family) for imports
    description: ClassVar[str]

    @abstractmethod
    def load(self, path: Path) -> LoadResult:
        """Parse `path` fully. Malformed rows become issues; the rest still load."""

    @classmethod
    @abstractmethod
    def sniff(cls, path: Path) -> bool:
        """Whether `path` looks like this format (by name and first bytes)."""
