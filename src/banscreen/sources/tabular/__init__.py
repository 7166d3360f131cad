"""Tabular inputs, one module per file format, behind `RowReader`; `reader_for` picks one
by name or by the file's extension. Party files and equipment inventories both read
through these."""

from __future__ import annotations

from pathlib import Path

from banscreen.sources.interface import SourceError
from banscreen.sources.tabular.csv_rows import CsvRows
from banscreen.sources.tabular.interface import RawRow, RowReader
from banscreen.sources.tabular.jsonl_rows import JsonlRows
from banscreen.sources.tabular.parquet_rows import ParquetRows
from banscreen.sources.tabular.xlsx_rows import XlsxRows

READERS: dict[str, type[RowReader]] = {cls.format: cls for cls in (CsvRows, XlsxRows, JsonlRows, ParquetRows)}


def reader_for(path: Path, format: str | None = None, *, encoding: str = "utf-8-sig",
               sheet: str | None = None) -> RowReader:
    """The reader for `format`, or for the file's extension (CSV when unknown)."""
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


__all__ = ["READERS", "CsvRows", "JsonlRows", "ParquetRows", "RawRow", "RowReader", "XlsxRows", "reader_for"]
