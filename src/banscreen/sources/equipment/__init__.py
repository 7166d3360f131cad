"""Equipment inputs, one module per format behind `AssetReader`: asset inventories
(CSV/XLSX), nmap XML, snmpwalk output, CycloneDX (JSON, XML) and SPDX (JSON,
tag-value, 3.0 JSON-LD) SBOMs, MAC lists.
`read_assets` picks the reader by content (or by name), as `lists.loader_for` does."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from banscreen.model import Asset, LoadIssue
from banscreen.sources.equipment.interface import AssetReader, fold_header
from banscreen.sources.equipment.inventory import InventoryReader
from banscreen.sources.equipment.mac_list import MacListReader
from banscreen.sources.equipment.nmap_xml import NmapXmlReader
from banscreen.sources.equipment.sbom import (CycloneDxReader, CycloneDxXmlReader, Spdx3Reader, SpdxReader,
                                              SpdxTagValueReader)
from banscreen.sources.equipment.snmpwalk import SnmpWalkReader
from banscreen.sources.interface import SourceError, head_text

# Most specific first: the inventory reader takes any table.
READERS: list[type[AssetReader]] = [NmapXmlReader, CycloneDxReader, CycloneDxXmlReader, SpdxReader, Spdx3Reader,
                                    SpdxTagValueReader, SnmpWalkReader, MacListReader, InventoryReader]


JSON_SNIFF_BYTES = 64 * 2**20


def read_assets(path: Path, format: str | None = None) -> Iterator[Asset | LoadIssue]:
    """The assets of one file, by the reader for `format` or the first that sniffs it."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "no such file")
    if path.is_dir():
        raise SourceError(path, "is a folder, not a file")
    known = {cls.format: cls for cls in READERS}
    if format:
        if format not in known:
            raise SourceError(path, f"unknown equipment input format {format!r}; known: {', '.join(known)}")
        return _not_silent(known[format](), path)
    head = "" if path.suffix.lower() in (".xlsx", ".xlsm") else head_text(path)
    if head.lstrip().startswith("{") and not any(cls.sniff(path, head) for cls in READERS):
        # JSON writers order keys as they like (cyclonedx-py puts "bomFormat" after all
        # the components): the marker may be anywhere, so look further than the head.
        head = head_text(path, JSON_SNIFF_BYTES)
    for cls in READERS:
        if cls.sniff(path, head):
            return _not_silent(cls(), path)
    raise SourceError(path, f"cannot tell the input format; name it with --format-in ({', '.join(known)})")


def _not_silent(reader: AssetReader, path: Path) -> Iterator[Asset | LoadIssue]:
    """The reader's assets; a file that yields none is an issue, never a clean result."""
    found = False
    for item in reader.assets(path):
        found = found or isinstance(item, Asset)
        yield item
    if not found:
        yield LoadIssue(str(path), 0, f"no asset found in this {reader.description} file: nothing was screened")


__all__ = ["READERS", "AssetReader", "fold_header", "read_assets"]
