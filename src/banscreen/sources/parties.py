"""Parties to screen: rows of any supported file, mapped to `Subject`s by column."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue, Subject
from banscreen.sources.csv_rows import CsvRows
from banscreen.sources.interface import ColumnMap, RawRow, RowReader, SourceError
from banscreen.sources.jsonl_rows import JsonlRows
from banscreen.sources.parquet_rows import ParquetRows
from banscreen.sources.xlsx_rows import XlsxRows

READERS: dict[str, type[RowReader]] = {cls.format: cls for cls in (CsvRows, XlsxRows, JsonlRows, ParquetRows)}

# Usual header names, in order of preference, after folding (lower case, no punctuation).
USUAL = {
    "name": ("name", "party", "partyname", "company", "companyname", "customer", "customername", "supplier",
             "suppliername", "consignee", "consigneename", "entity", "entityname", "fullname", "legalname",
             "counterparty", "vendor", "vendorname", "organisation", "organization"),
    "country": ("country", "countrycode", "countryname", "ctry", "nation", "iso2", "countryiso"),
    "address": ("address", "fulladdress", "streetaddress", "addr", "address1", "street"),
    "id": ("id", "partyid", "customerid", "supplierid", "vendorid", "accountid", "account", "ref", "reference"),
}
EXTRA_ADDRESS = ("address2", "city", "town", "state", "province", "region", "postcode", "postalcode", "zip")


def _fold(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def reader_for(path: Path, format: str | None = None, *, encoding: str = "utf-8-sig",
               sheet: str | None = None) -> RowReader:
    if format is None:
        suffix = path.suffix.lower()
        format = next((f for f, cls in READERS.items() if suffix in cls.suffixes), "csv")
    if format == "csv":
        return CsvRows(encoding=encoding)
    if format == "xlsx":
        return XlsxRows(sheet=sheet)
    if format == "jsonl":
        return JsonlRows(encoding=encoding)
    if format == "parquet":
        return ParquetRows()
    raise SourceError(path, f"unknown input format {format!r}; known: {', '.join(READERS)}")


def _resolve(header: list[str], wanted: str | None, role: str, path: Path, line: int) -> str | None:
    folded = {_fold(h): h for h in header}
    if wanted is not None:
        if wanted in header:
            return wanted
        if _fold(wanted) in folded:
            return folded[_fold(wanted)]
        raise SourceError(path, f"no column {wanted!r} for the {role} (columns: {', '.join(header)})", line)
    for candidate in USUAL[role]:
        if candidate in folded:
            return folded[candidate]
    return None


def read_parties(path: Path, columns: ColumnMap = ColumnMap(), *, format: str | None = None,
                 encoding: str = "utf-8-sig", sheet: str | None = None) -> Iterator[Subject | LoadIssue]:
    """Subjects in file order, and an issue for each row that could not be used."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "no such file")
    if path.is_dir():
        raise SourceError(path, "is a folder, not a file")
    reader = reader_for(path, format, encoding=encoding, sheet=sheet)
    mapping: dict[str, str | None] | None = None
    extra: list[str] = []
    row_number = 0
    for item in reader.rows(path):
        if isinstance(item, LoadIssue):
            row_number += 1
            yield item
            continue
        row: RawRow = item
        row_number += 1
        if mapping is None:
            header = list(row.fields)
            mapping = {role: _resolve(header, getattr(columns, role), role, path, row.line) for role in USUAL}
            if mapping["name"] is None:
                raise SourceError(path, f"no name column found (columns: {', '.join(header)}); "
                                        "name it with --name-col", 1)
            folded = {_fold(h): h for h in header}
            extra = [folded[c] for c in EXTRA_ADDRESS if c in folded and folded[c] != mapping["address"]]
        name = (row.fields.get(mapping["name"]) or "").strip()
        if not name:
            yield LoadIssue(str(path), row.line, f"empty name in column {mapping['name']!r}")
            continue
        address_parts = [row.fields.get(mapping["address"], "") if mapping["address"] else ""]
        address_parts += [row.fields.get(c, "") for c in extra]
        yield Subject(
            row=row_number,
            line=row.line,
            name=name,
            country=(row.fields.get(mapping["country"]) or "").strip() if mapping["country"] else "",
            address=", ".join(p.strip() for p in address_parts if p and p.strip()),
            id=(row.fields.get(mapping["id"]) or "").strip() if mapping["id"] else "",
            fields=row.fields,
            source=str(path),
        )
