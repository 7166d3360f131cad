"""Equipment inputs, one module per format behind `AssetReader`: asset inventories
(CSV/XLSX), nmap XML, snmpwalk output, CycloneDX and SPDX SBOMs, MAC lists.
`read_assets` picks the reader by content (or by name), as `lists.loader_for` does."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from banscreen.model import Asset, LoadIssue
from banscreen.sources.equipment.interface import AssetReader, fold_header
from banscreen.sources.equipment.inventory import InventoryReader
from banscreen.sources.equipment.mac_list import MacListReader
from banscreen.sources.equipment.nmap_xml import NmapXmlReader
from banscreen.sources.equipment.sbom import CycloneDxReader, SpdxReader
from banscreen.sources.equipment.snmpwalk import SnmpWalkReader
from banscreen.sources.interface import SourceError, head_text

# Most specific first: the inventory reader takes any table.
READERS: list[type[AssetReader]] = [NmapXmlReader, CycloneDxReader, SpdxReader, SnmpWalkReader, MacListReader,
                                    InventoryReader]


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
        return known[format]().assets(path)
    head = "" if path.suffix.lower() in (".xlsx", ".xlsm") else head_text(path)
    for cls in READERS:
        if cls.sniff(path, head):
            return cls().assets(path)
    raise SourceError(path, f"cannot tell the input format; name it with --format-in ({', '.join(known)})")


__all__ = ["READERS", "AssetReader", "fold_header", "read_assets"]
