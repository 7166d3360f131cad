"""Parquet tables of parties, read in record batches. Parquet has no lines: a row's
`line` is its 1-based row number in the file."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue
from banscreen.sources.interface import SourceError
from banscreen.sources.tabular.interface import RawRow, RowReader


class ParquetRows(RowReader):
    format = "parquet"
    suffixes = (".parquet", ".pq")

    def rows(self, path: Path) -> Iterator[RawRow | LoadIssue]:
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise SourceError(path, "reading Parquet needs pyarrow: pip install 'banscreen[dask]'") from None
        try:
            pf = pq.ParquetFile(str(path))
        except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
            raise SourceError(path, f"not a readable Parquet file: {exc}") from None
        number = 0
        for batch in pf.iter_batches(batch_size=10_000):
            for row in batch.to_pylist():
                number += 1
                yield RawRow(number, {str(k): "" if v is None else str(v) for k, v in row.items()})
