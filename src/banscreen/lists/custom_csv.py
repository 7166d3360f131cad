"""A company's own blocklist as CSV: `name` (required), and optionally `id`, `list`,
`kind`, `aliases` (separated by ;), `country`, `address`, `start_date`, `end_date`,
`reason`. One entry per row; a bad row is reported with its line and skipped."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from banscreen.csvrecords import records
from banscreen.lists._util import head_bytes, parse_date, read_text, split_multi, stable_id
from banscreen.lists.interface import ListError, ListLoader, LoadResult
from banscreen.reference.countries import to_iso2
from banscreen.model import KINDS, UNKNOWN, ListEntry, LoadIssue


class CustomCsvLoader(ListLoader):
    format = "custom-csv"
    dataset = "custom"
    description = "your own blocklist: CSV with a name column"

    @classmethod
    def sniff(cls, path: Path) -> bool:
        first = head_bytes(path).split(b"\n", 1)[0].lower()
        return path.suffix.lower() == ".csv" and b"name" in first and b"alt_names" not in first

    def load(self, path: Path) -> LoadResult:
        issues: list[LoadIssue] = []
        reader = csv.reader(io.StringIO(read_text(path, issues), newline=""))
        header = [h.strip().lower() for h in next(reader, [])]
        if "name" not in header:
            raise ListError(f"{path}: a custom list needs a 'name' column (columns: {', '.join(header)})")
        entries, rows = [], 0
        for line, fields in records(reader):
            rows += 1
            if isinstance(fields, csv.Error) or len(fields) != len(header):
                issues.append(LoadIssue(str(path), line, f"expected {len(header)} fields"))
                continue
            row = dict(zip(header, (f.strip() for f in fields)))
            if not row["name"]:
                issues.append(LoadIssue(str(path), line, "entry has no name"))
                continue
            try:
                start, end = parse_date(row.get("start_date", "")), parse_date(row.get("end_date", ""))
            except ValueError as exc:
                issues.append(LoadIssue(str(path), line, str(exc)))
                continue
            kind = row.get("kind") or UNKNOWN
            iso = to_iso2(row.get("country", "")) if row.get("country") else None
            entries.append(ListEntry(
                dataset=self.dataset, list=(row.get("list") or "CUSTOM").upper(),
                entry_id=row.get("id") or stable_id("CUSTOM", row["name"]), kind=kind if kind in KINDS else UNKNOWN,
                name=row["name"], aliases=split_multi(row.get("aliases", "")),
                addresses=(row["address"],) if row.get("address") else (), countries=(iso,) if iso else (),
                start_date=start, end_date=end, remarks=row.get("reason", "")))
        return LoadResult(entries=entries, rows=rows, issues=issues)
