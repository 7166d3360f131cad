"""Excel workbooks (.xlsx): the first sheet, header in its first non-empty row."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue
from banscreen.sources.interface import SourceError
from banscreen.sources.safezip import ArchiveError, SafeZip
from banscreen.sources.tabular.interface import RawRow, RowReader


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# A workbook is a zip of XML parts. openpyxl holds the shared strings in memory (the
# sheet itself streams in read-only mode), so that part has the tighter cap. The caps are
# on what the archive declares, checked before openpyxl opens it, as for APKs.
MAX_SHARED_STRINGS = 64 * 2**20
MAX_PART = 1 * 2**30
MAX_WORKBOOK = 2 * 2**30


def check_archive(path: Path) -> None:
    """Refuse a workbook that would unpack past the caps or the compression ratio the
    APK and firmware readers allow (a decompression bomb), before anything is inflated."""
    try:
        with SafeZip(path, MAX_PART, MAX_WORKBOOK) as archive:
            declared = 0
            for name in archive.names():
                size = archive.size(name)
                declared += size
                if name.lower().endswith("sharedstrings.xml") and size > MAX_SHARED_STRINGS:
                    raise ArchiveError(f"refused: its shared strings would unpack to {size:,} bytes, over "
                                       f"{MAX_SHARED_STRINGS:,}")
            if declared > MAX_WORKBOOK:
                raise ArchiveError(f"refused: it would unpack to {declared:,} bytes, over {MAX_WORKBOOK:,}")
    except ArchiveError as exc:
        raise SourceError(path, f"not read as a workbook: {exc}") from None


class XlsxRows(RowReader):
    format = "xlsx"
    suffixes = (".xlsx", ".xlsm")

    def __init__(self, sheet: str | None = None):
        self.sheet = sheet

    def rows(self, path: Path) -> Iterator[RawRow | LoadIssue]:
        import openpyxl

        check_archive(path)
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            raise SourceError(path, f"not a readable .xlsx workbook: {exc}") from None
        try:
            if self.sheet and self.sheet not in wb.sheetnames:
                raise SourceError(path, f"no sheet {self.sheet!r}; sheets: {', '.join(wb.sheetnames)}")
            ws = wb[self.sheet] if self.sheet else wb.worksheets[0]
            header: list[str] | None = None
            for number, values in enumerate(ws.iter_rows(values_only=True), 1):
                cells = [_text(v) for v in values]
                if not any(cells):
                    continue
                if header is None:
                    header = cells
                    continue
                extra = [c for c in cells[len(header):] if c]
                if extra:
                    yield LoadIssue(str(path), number, f"{len(extra)} value(s) beyond the header's "
                                                       f"{len(header)} columns")
                    continue
                cells += [""] * (len(header) - len(cells))
                yield RawRow(number, {h: c for h, c in zip(header, cells) if h})
            if header is None:
                raise SourceError(path, "empty sheet: no header row")
        finally:
            wb.close()
