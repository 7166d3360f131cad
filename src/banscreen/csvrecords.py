"""CSV records with the physical line each starts on, shared by list loaders and input
readers: csv.reader reports only where a record ends, and a record may span lines."""

from __future__ import annotations

import csv
from typing import Iterator


def records(reader) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(first line, fields) for each non-blank record of a csv.reader, or (line, error)
    for a record the csv module cannot read; reading goes on after an error."""
    last = reader.line_num
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield last + 1, exc
            last = reader.line_num
            continue
        line, last = last + 1, reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue
        yield line, fields
