"""The equipment-reader interface: every reader turns a file into `Asset`s (with the
observations it states) or issues, and says from a file's head whether it reads it."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar, Iterator

from banscreen.model import Asset, LoadIssue


class AssetReader(ABC):
    format: ClassVar[str]
    description: ClassVar[str]

    @classmethod
    @abstractmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """Whether `path` (its first few KB as text in `head`) is this format."""

    @abstractmethod
    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        """Assets in file order; unreadable records as issues."""


WORD = re.compile(r"[^a-z0-9]")


def fold_header(header: str) -> str:
    """A column header as compared: lower case, letters and digits only."""
    return WORD.sub("", header.lower())
