"""BIS Denied Persons List, tab-delimited text (dpl.txt): one row per (name, address),
with the order's effective and expiration dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from pathlib import Path

from banscreen.csvrecords import records
from banscreen.lists._util import clean, head_bytes, parse_date, plausible, read_text, stable_id
from banscreen.lists.interface import ListError, ListLoader, LoadResult
from banscreen.reference.countries import to_iso2
from banscreen.model import UNKNOWN, ListEntry, LoadIssue

COLUMNS = ("Name", "Street_Address", "City", "State", "Country", "Postal_Code", "Effective_Date",
           "Expiration_Date", "Standard_Order", "Last_Update", "Action", "FR_Citation")
SOURCE_URL = "https://www.bis.gov/dpl"
_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d")


class DplLoader(ListLoader):
    format = "dpl"
    dataset = "bis-dpl"
    description = "BIS Denied Persons List, tab-delimited dpl.txt"

    @classmethod
    def sniff(cls, path: Path) -> bool:
        if path.is_dir():
            return False
        first = head_bytes(path).split(b"\n", 1)[0]
        return b"Effective_Date" in first and b"\t" in first

    def load(self, path: Path) -> LoadResult:
        issues: list[LoadIssue] = []
        text = read_text(path, issues)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise ListError(f"{path}: empty file") from None
        except csv.Error as exc:
            raise ListError(f"{path}: unreadable header: {exc}") from None
        if [h for h in COLUMNS if h not in header]:
            raise ListError(f"{path}: not a Denied Persons List (expected columns {', '.join(COLUMNS)})")
        col = {h: header.index(h) for h in COLUMNS}
        groups: dict[tuple[str, str, str], dict] = {}
        rows = 0
        newest: dt.date | None = None
        for line, fields in records(reader):
            rows += 1
            if isinstance(fields, csv.Error):
                issues.append(LoadIssue(str(path), line, f"unreadable record: {fields}"))
                continue
            if len(fields) != len(header):
                issues.append(LoadIssue(str(path), line, f"expected {len(header)} fields, found {len(fields)}"))
                continue
            get = {h: fields[i].strip() for h, i in col.items()}
            name = clean(get["Name"])
            if not name:
                issues.append(LoadIssue(str(path), line, "entry has no name"))
                continue
            start, end, updated = (_date(get, fld, str(path), line, issues)
                                   for fld in ("Effective_Date", "Expiration_Date", "Last_Update"))
            if updated and (newest is None or updated > newest) and updated <= dt.date.today():
                newest = updated
            key = (name.upper(), get["Effective_Date"], get["Expiration_Date"])
            g = groups.setdefault(key, {"name": name, "start": start, "end": end, "addresses": [],
                                         "countries": [], "citations": [], "action": get["Action"]})
            address = ", ".join(p for p in (get["Street_Address"], get["City"], get["State"],
                                            get["Postal_Code"], get["Country"]) if p)
            if address and address not in g["addresses"]:
                g["addresses"].append(clean(address))
            iso = to_iso2(get["Country"]) if get["Country"] else ("US" if get["State"] else None)
            if iso and iso not in g["countries"]:
                g["countries"].append(iso)
            if get["FR_Citation"] and get["FR_Citation"] not in g["citations"]:
                g["citations"].append(clean(get["FR_Citation"]))

        # An order is named by its name and effective date; two orders of one name and
        # date (a second address with another expiry) also by their expiration date.
        orders = Counter((name, start) for name, start, _ in groups)
        entries = [self._entry(key, g, orders[key[:2]] > 1) for key, g in groups.items()]
        return LoadResult(entries=entries, rows=rows, issues=issues, published=newest)

    def _entry(self, key: tuple[str, str, str], g: dict, shared_date: bool) -> ListEntry:
        """One denial order: the rows of one name and one pair of dates, merged."""
        return ListEntry(
            dataset=self.dataset,
            list="DPL",
            entry_id=stable_id("DPL", g["name"], *(key[1:] if shared_date else key[1:2])),
            kind=UNKNOWN,
            name=g["name"],
            addresses=tuple(g["addresses"]),
            countries=tuple(g["countries"]),
            programs=("EAR denial order",),
            start_date=g["start"],
            end_date=g["end"],
            remarks=g["action"],
            source_url=SOURCE_URL,
            citation="; ".join(g["citations"]),
        )


def _date(get: dict[str, str], fld: str, path: str, line: int, issues: list[LoadIssue]) -> dt.date | None:
    """A row's date field, or None (with an issue) when it is unreadable or implausible."""
    try:
        d = parse_date(get[fld], _DATE_FORMATS)
    except ValueError as exc:
        issues.append(LoadIssue(path, line, f"{fld}: {exc}; read as empty"))
        return None
    if d is not None and not plausible(d):
        issues.append(LoadIssue(path, line, f"{fld}: implausible date {d.isoformat()}; read as empty"))
        return None
    return d
