"""JSON Lines: one JSON object per line; nested values are kept as JSON text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from banscreen.model import LoadIssue
from banscreen.sources.interface import SourceError
from banscreen.sources.tabular.interface import RawRow, RowReader


class JsonlRows(RowReader):
    format = "jsonl"
    suffixes = (".jsonl", ".ndjson", ".json")

    def __init__(self, encoding: str = "utf-8-sig"):
        self.encoding = encoding

    def rows(self, path: Path) -> Iterator[RawRow | LoadIssue]:
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise SourceError(path, f"cannot open: {exc.strerror or exc}") from None
        with fh:
            for number, raw in enumerate(fh, 1):
                try:
                    text = raw.decode(self.encoding)
                except UnicodeDecodeError:
                    yield LoadIssue(str(path), number, f"not valid {self.encoding} text")
                    continue
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                    if not isinstance(obj, dict):
                        yield LoadIssue(str(path), number, f"expected a JSON object, found {type(obj).__name__}")
                        continue
                    fields = {str(k): v if isinstance(v, str) else ("" if v is None else
                              json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v))
                              for k, v in obj.items()}
                except json.JSONDecodeError as exc:
                    yield LoadIssue(str(path), number, f"not valid JSON: {exc.msg} at column {exc.colno}")
                    continue
                except RecursionError:  # [[[[... thousands deep: this row, not the run
                    yield LoadIssue(str(path), number, "JSON nested too deeply to read")
                    continue
                yield RawRow(number, fields)
