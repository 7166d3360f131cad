"""Delimited text (CSV, TSV, semicolon-separated), header in the first row."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterator, TextIO

from banscreen.csvrecords import records
from banscreen.model import LoadIssue
from banscreen.sources.interface import SourceError
from banscreen.sources.tabular.interface import RawRow, RowReader

csv.field_size_limit(10 * 1024 * 1024)


_UNDECODED = re.compile("[\udc80-\udcff]")


def _has_bad_bytes(fields: list[str]) -> bool:
    """Whether surrogateescape had to stand in for bytes the encoding could not decode."""
    for f in fields:
        if not f.isascii() and _UNDECODED.search(f):
            return True
    return False


class CsvRows(RowReader):
    format = "csv"
    suffixes = (".csv", ".tsv", ".txt")

    def __init__(self, encoding: str = "utf-8-sig", delimiter: str | None = None):
        self.encoding = encoding
        self.delimiter = delimiter

    def rows(self, path: Path) -> Iterator[RawRow | LoadIssue]:
        try:
            # surrogateescape keeps undecodable bytes visible per row instead of
            # failing the whole file at the first one.
            fh = path.open("r", encoding=self.encoding, errors="surrogateescape", newline="")
        except OSError as exc:
            raise SourceError(path, f"cannot open: {exc.strerror or exc}") from None
        except LookupError:
            raise SourceError(path, f"unknown encoding {self.encoding!r}") from None
        with fh:
            yield from self.read(fh, path)

    def read(self, fh: TextIO, path: Path) -> Iterator[RawRow | LoadIssue]:
        """The rows of an open text stream (opened with errors="surrogateescape" and
        newline=""), reported under `path`; the service reads uploads through this."""
        sample = fh.read(64 * 1024)
        fh.seek(0)
        delimiter = self.delimiter
        if delimiter is None:
            try:
                delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
            except csv.Error:
                delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        reader = csv.reader(fh, delimiter=delimiter)
        header: list[str] | None = None
        for line, fields in records(reader):
            if isinstance(fields, csv.Error):
                yield LoadIssue(str(path), line, f"unreadable CSV record: {fields}")
                continue
            if _has_bad_bytes(fields):
                if header is None:
                    raise SourceError(path, f"header is not valid {self.encoding}; name the file's encoding "
                                            "with --encoding (e.g. cp1252)", line)
                yield LoadIssue(str(path), line, f"not valid {self.encoding} text; name the file's "
                                                 "encoding with --encoding (e.g. cp1252)")
                continue
            if header is None:
                header = [h.strip() for h in fields]
                continue
            if len(fields) != len(header):
                yield LoadIssue(str(path), line, f"expected {len(header)} fields as in the header, "
                                                 f"found {len(fields)}")
                continue
            yield RawRow(line, dict(zip(header, fields)))
        if header is None:
            raise SourceError(path, "empty file: no header row")
