"""Asset inventories as CSV/TSV or XLSX: vendor, manufacturer, model, serial, MAC, IP,
hostname and free text columns, found by their usual names. SNMP exports in CSV
(sysObjectID, sysDescr, sysName columns) are inventories too."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from banscreen.model import Asset, LoadIssue, Observation
from banscreen.sources.equipment.interface import AssetReader, fold_header
from banscreen.sources.tabular.csv_rows import CsvRows
from banscreen.sources.interface import SourceError
from banscreen.sources.tabular.interface import RawRow
from banscreen.sources.tabular.xlsx_rows import XlsxRows

# observation kind -> usual header names (folded: lower case, letters and digits)
COLUMNS = {
    "vendor": ("vendor", "make", "brand", "vendorname"),
    "manufacturer": ("manufacturer", "mfr", "mfg", "oem", "maker"),
    "model": ("model", "modelnumber", "modelno", "product", "productname", "devicemodel", "partnumber"),
    "mac": ("mac", "macaddress", "macaddr", "hwaddress", "hwaddr", "ethernetaddress", "physicaladdress"),
    "sys_object_id": ("sysobjectid", "objectid", "oid"),
    "sys_descr": ("sysdescr", "sysdescription"),
    "cpe": ("cpe",),
    "free_text": ("description", "descr", "notes", "note", "comments", "comment", "remarks", "freetext", "details"),
    "hostname": ("hostname", "host", "sysname", "devicename", "assetname", "name", "fqdn"),
}
LABEL = ("hostname", "host", "sysname", "devicename", "assetname", "name", "ip", "ipaddress", "address", "assettag",
         "serial", "serialnumber")


class InventoryReader(AssetReader):
    format = "inventory"
    description = "asset inventory CSV/TSV/XLSX (also SNMP exports with sysObjectID/sysDescr columns)"

    def __init__(self, encoding: str = "utf-8-sig"):
        self.encoding = encoding

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return path.suffix.lower() in (".csv", ".tsv", ".xlsx", ".xlsm", ".txt")

    def assets(self, path: Path) -> Iterator[Asset | LoadIssue]:
        reader = XlsxRows() if path.suffix.lower() in (".xlsx", ".xlsm") else CsvRows(encoding=self.encoding)
        mapping: list[tuple[str, str, str]] | None = None  # (kind, column, where)
        label_cols: list[str] = []
        row_number = 0
        for item in reader.checked_rows(path):
            row_number += 1
            if isinstance(item, LoadIssue):
                yield item
                continue
            row: RawRow = item
            if mapping is None:
                folded = {fold_header(h): h for h in row.fields}
                mapping = []
                for kind, names in COLUMNS.items():
                    for name in names:
                        if name in folded:
                            mapping.append((kind, folded[name], f"column {folded[name]}"))
                            break
                if not any(kind in ("vendor", "manufacturer", "model", "mac", "sys_object_id", "sys_descr", "cpe")
                           for kind, _, _ in mapping):
                    raise SourceError(path, "no vendor, manufacturer, model, MAC, sysObjectID, sysDescr or CPE "
                                            f"column found (columns: {', '.join(row.fields)})", 1)
                label_cols = [folded[c] for c in LABEL if c in folded]
            fields = row.fields
            observations = tuple(Observation(kind, value, where) for kind, col, where in mapping
                                 if (value := fields.get(col, "").strip()))
            label = next((row.fields[c].strip() for c in label_cols if row.fields.get(c, "").strip()),
                         f"row {row_number}")
            yield Asset(row_number, row.line, str(path), label, observations, row.fields)
