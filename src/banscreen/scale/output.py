"""Batch output to a path: JSON Lines or Parquet, in one file or a directory of
partition files. Records are the single-process JSON records; in Parquet the nested
parts (input, matches, destinations) are JSON text columns, so every partition has the
same schema whatever its rows hold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from banscreen.model import LoadIssue, PartyResult
from banscreen.report.interface import RunSummary
from banscreen.report.records import row_record

PARQUET_COLUMNS = ["row", "line", "file", "name", "country", "address", "id", "error", "match_count", "best_list",
                   "best_score", "destination_count", "input", "matches", "destinations"]


def _flat(record: dict) -> dict:
    subject = record.get("subject") or {}
    matches = record.get("matches") or []
    return {
        "row": record.get("row"), "line": record.get("line"), "file": record.get("file"),
        "name": subject.get("name"), "country": subject.get("country"), "address": subject.get("address"),
        "id": subject.get("id"), "error": record.get("error"), "match_count": len(matches),
        "best_list": matches[0]["list"] if matches else None, "best_score": matches[0]["score"] if matches else None,
        "destination_count": len(record.get("destinations") or []),
        "input": json.dumps(record.get("input") or {}, ensure_ascii=False),
        "matches": json.dumps(matches, ensure_ascii=False),
        "destinations": json.dumps(record.get("destinations") or [], ensure_ascii=False),
    }


def batch_record(item: PartyResult | LoadIssue) -> dict:
    """The record JSON output writes: unreadable rows carry empty match lists too."""
    record = row_record(item)
    if isinstance(item, LoadIssue):
        record.update({"matches": [], "destinations": []})
    return record


def write_path(items: Iterable[PartyResult | LoadIssue], path: Path, fmt: str, partition_rows: int | None = None
               ) -> RunSummary:
    """Write to `path`: a file, or (when `partition_rows` is set) a directory of
    part-00000.<ext> files of that many rows each."""
    if fmt not in ("json", "parquet"):
        raise ValueError(f"batch output is json or parquet, not {fmt}")
    summary = RunSummary()
    if partition_rows:
        path.mkdir(parents=True, exist_ok=True)
    writer = _ParquetParts(path, partition_rows) if fmt == "parquet" else _JsonParts(path, partition_rows)
    with writer:
        for item in items:
            summary.add(item)
            writer.add(batch_record(item))
    return summary


class _Parts:
    ext = ""

    def __init__(self, path: Path, partition_rows: int | None):
        self.path, self.partition_rows = path, partition_rows
        self.buffer: list[dict] = []
        self.part = 0

    def target(self) -> Path:
        return self.path / f"part-{self.part:05d}.{self.ext}" if self.partition_rows else self.path

    def add(self, record: dict) -> None:
        self.buffer.append(record)
        if self.partition_rows and len(self.buffer) >= self.partition_rows:
            self.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None and (self.buffer or self.part == 0):
            self.flush()
        self.close()

    def flush(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _JsonParts(_Parts):
    ext = "jsonl"

    def __init__(self, path: Path, partition_rows: int | None):
        super().__init__(path, partition_rows)
        self.fh = None if partition_rows else path.open("w", encoding="utf-8")

    def flush(self) -> None:
        fh = self.fh or self.target().open("w", encoding="utf-8")
        for record in self.buffer:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        if fh is not self.fh:
            fh.close()
            self.part += 1
        self.buffer = []

    def close(self) -> None:
        if self.fh:
            self.fh.close()


class _ParquetParts(_Parts):
    ext = "parquet"

    def __init__(self, path: Path, partition_rows: int | None):
        super().__init__(path, partition_rows)
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa, self.pq = pa, pq
        self.schema = pa.schema([("row", pa.int64()), ("line", pa.int64()), ("file", pa.string()),
                                 ("name", pa.string()), ("country", pa.string()), ("address", pa.string()),
                                 ("id", pa.string()), ("error", pa.string()), ("match_count", pa.int32()),
                                 ("best_list", pa.string()), ("best_score", pa.float64()),
                                 ("destination_count", pa.int32()), ("input", pa.string()), ("matches", pa.string()),
                                 ("destinations", pa.string())])
        self.single = None if partition_rows else pq.ParquetWriter(str(path), self.schema)

    def flush(self) -> None:
        table = self.pa.Table.from_pylist([_flat(r) for r in self.buffer], schema=self.schema)
        if self.single is not None:
            self.single.write_table(table)
        else:
            self.pq.write_table(table, str(self.target()))
            self.part += 1
        self.buffer = []

    def add(self, record: dict) -> None:
        super().add(record)
        if self.single is not None and len(self.buffer) >= 50_000:
            self.flush()

    def close(self) -> None:
        if self.single is not None:
            self.single.close()
