"""Parties to screen: rows of any tabular file, mapped to `Subject`s by column."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue, Subject
from banscreen.sources.interface import SourceError
from banscreen.sources.parties.columns import USUAL, ColumnMap, PartyColumns
from banscreen.sources.tabular import reader_for


def read_parties(path: Path, columns: ColumnMap = ColumnMap(), *, format: str | None = None,
                 encoding: str = "utf-8-sig", sheet: str | None = None) -> Iterator[Subject | LoadIssue]:
    """Subjects in file order, and an issue for each row that could not be used."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "no such file")
    if path.is_dir():
        raise SourceError(path, "is a folder, not a file")
    reader = reader_for(path, format, encoding=encoding, sheet=sheet)
    resolved: PartyColumns | None = None
    # rows(), not checked_rows(): PartyColumns.subject reports a NUL row itself, for
    # local and Dask runs alike, so the check runs once per row
    for row_number, item in enumerate(reader.rows(path), 1):
        if isinstance(item, LoadIssue):
            yield item
            continue
        if resolved is None:
            resolved = PartyColumns.resolve(list(item.fields), columns, path, item.line)
        yield resolved.subject(row_number, item.line, item.fields, str(path))


__all__ = ["USUAL", "ColumnMap", "PartyColumns", "read_parties"]
