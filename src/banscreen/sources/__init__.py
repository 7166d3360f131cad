"""Input readers: one module per input format, all yielding rows or issues."""

from banscreen.sources.interface import ColumnMap, RawRow, SourceError
from banscreen.sources.parties import READERS, read_parties, reader_for

__all__ = ["ColumnMap", "RawRow", "SourceError", "READERS", "read_parties", "reader_for"]
