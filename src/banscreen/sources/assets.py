"""Equipment inputs: every reader turns a file into `Asset`s (with the observations it
states) or issues; `read_assets` picks the reader by content."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar, Iterator

from banscreen.model import Asset, LoadIssue
from banscreen.sources.interface import SourceError


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


def head_text(path: Path, size: int = 8192) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(size).decode("utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(path, f"cannot open: {exc.strerror or exc}") from None


def readers() -> list[type[AssetReader]]:
    # imported here: each reader module imports this one for the base class
    from banscreen.sources.inventory import InventoryReader
    from banscreen.sources.mac_list import MacListReader
    from banscreen.sources.nmap_xml import NmapXmlReader
    from banscreen.sources.sbom import CycloneDxReader, SpdxReader
    from banscreen.sources.snmpwalk import SnmpWalkReader

    # most specific first: the inventory reader takes any table
    return [NmapXmlReader, CycloneDxReader, SpdxReader, SnmpWalkReader, MacListReader, InventoryReader]


def read_assets(path: Path, format: str | None = None) -> Iterator[Asset | LoadIssue]:
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "no such file")
    if path.is_dir():
        raise SourceError(path, "is a folder, not a file")
    known = {cls.format: cls for cls in readers()}
    if format:
        if format not in known:
            raise SourceError(path, f"unknown equipment input format {format!r}; known: {', '.join(known)}")
        return known[format]().assets(path)
    head = "" if path.suffix.lower() in (".xlsx", ".xlsm") else head_text(path)
    for cls in readers():
        if cls.sniff(path, head):
            return cls().assets(path)
    raise SourceError(path, f"cannot tell the input format; name it with --format-in ({', '.join(known)})")


WORD = re.compile(r"[^a-z0-9]")


def fold_header(header: str) -> str:
    return WORD.sub("", header.lower())
