"""Input readers by domain: `tabular/` (CSV, XLSX, JSON Lines, Parquet rows), `parties/`
(rows to subjects), `equipment/` (inventories, scans, SBOMs) and `android/` (captures,
acquisitions, APKs, firmware). Each family has an interface and a registry; every reader
yields its items or `LoadIssue`s and raises `SourceError` only for an unreadable input."""

from banscreen.sources.interface import SourceError
from banscreen.sources.parties import ColumnMap, read_parties

__all__ = ["ColumnMap", "SourceError", "read_parties"]
