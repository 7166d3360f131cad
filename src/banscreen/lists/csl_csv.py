"""The trade.gov Consolidated Screening List CSV: the BIS Entity List, Denied Persons,
Unverified and Military End User lists, State's debarred and nonproliferation lists and
Treasury's lists in one file, with start and end dates.

Two quirks shape this loader. The Entity List writes an affiliate inside its parent's
name ("Huawei Technologies Co., Ltd. (Huawei).  Affiliated Entity:  Huawei Marine
Networks Co., Ltd."): the affiliate becomes an entry of its own whose name can match on
its own. And one entity appears on several rows, one per address: rows with the same
list, name and dates become one entry holding every address."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from banscreen.csvrecords import records
from banscreen.lists._util import clean, head_bytes, parse_date, read_text, split_multi, stable_id
from banscreen.lists.interface import ListError, ListLoader, LoadResult
from banscreen.reference.countries import to_iso2
from banscreen.model import AIRCRAFT, ORGANIZATION, PERSON, UNKNOWN, VESSEL, ListEntry, LoadIssue

REQUIRED = ("source", "name", "start_date", "end_date", "alt_names", "addresses")
_SOURCE_CODE = re.compile(r"\(([A-Z][A-Z-]*)(?: List)?\)")
_AFFILIATE = re.compile(r"\.?\s+Affiliated Entity:\s+", re.IGNORECASE)
_AKA = re.compile(r",?\s+a\.k\.a\.?,?\s+", re.IGNORECASE)
_TRAILING_PAREN = re.compile(r"^(.*\S)\s*\(([^()]{2,60})\)\s*\.?$")
# Lists whose rows may lack a start date, with the day the list itself began: a listing
# cannot be older than its list, so an unknown start is read as that day, not "always".
LIST_BEGAN = {
    "CMIC": (dt.date(2020, 11, 12), "EO 13959 of 2020-11-12 created the Communist Chinese military companies list"),
    "MEU": (dt.date(2020, 12, 23), "the Military End-User List was first published 2020-12-23 (85 FR 83793)"),
    "SSI": (dt.date(2014, 7, 16), "the first Sectoral Sanctions Identifications were made 2014-07-16"),
}
_KINDS = {"individual": PERSON, "entity": ORGANIZATION, "vessel": VESSEL, "aircraft": AIRCRAFT}


def list_code(source: str) -> str:
    """'Entity List (EL) - Bureau of Industry and Security' -> 'EL'."""
    m = _SOURCE_CODE.search(source)
    return m.group(1) if m else clean(source.split(" - ")[0]).upper()


def split_name(raw: str) -> tuple[str, str, tuple[str, ...]]:
    """(name, parent, aliases) from a CSL name field.

    "Parent (P).  Affiliated Entity:  Child Co., Ltd." gives the child as the name and
    the parent; a trailing "(SHORT)" and "..., a.k.a. OTHER" give aliases. The name as
    written (after any parent) stays an alias too: users paste it verbatim."""
    parent = ""
    parts = _AFFILIATE.split(raw, maxsplit=1)
    if len(parts) == 2:
        parent, raw = clean(parts[0]), parts[1]
        m = _TRAILING_PAREN.match(parent)
        if m:
            parent = m.group(1)
    written = clean(raw).rstrip(" ,")
    aliases: list[str] = []
    name, *akas = (clean(p).rstrip(" ,") for p in _AKA.split(written))
    for value in [name, *akas]:
        m = _TRAILING_PAREN.match(value)
        if m:  # "Huawei Technologies Co., Ltd. (Huawei)": the short form is an alias
            base, short = m.group(1).rstrip(" ,"), clean(m.group(2))
            if value is name:
                name = base
            else:
                aliases.append(base)
            aliases.append(short)
        elif value is not name:
            aliases.append(value)
    if written != name:
        aliases.append(written)
    return name, parent, tuple(dict.fromkeys(a for a in aliases if a and a != name))


@dataclass
class _Group:
    line: int
    row: dict[str, str]
    name: str
    parent: str
    aliases: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)


def _countries_of(row: dict[str, str], addresses: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for address in addresses:
        tail = address.rsplit(",", 1)[-1].strip()
        iso = to_iso2(tail) if tail else None
        if iso and iso not in out:
            out.append(iso)
    for fld in ("nationalities", "citizenships"):
        for value in split_multi(row.get(fld, "") or "", ";"):
            iso = to_iso2(value)
            if iso and iso not in out:
                out.append(iso)
    return out


class CslCsvLoader(ListLoader):
    format = "csl"
    dataset = "csl"
    description = "trade.gov Consolidated Screening List CSV (plain or gzip)"

    @classmethod
    def sniff(cls, path: Path) -> bool:
        if path.is_dir():
            return False
        first = head_bytes(path).split(b"\n", 1)[0]
        return b"source" in first and b"alt_names" in first

    def load(self, path: Path) -> LoadResult:
        issues: list[LoadIssue] = []
        text = read_text(path, issues)
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, [])
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ListError(f"{path}: not a Consolidated Screening List CSV (missing columns: {', '.join(missing)})")
        groups: dict[tuple[str, str, str, str], _Group] = {}
        rows = 0
        for line, fields in records(reader):
            rows += 1
            if isinstance(fields, csv.Error):
                issues.append(LoadIssue(str(path), line, f"unreadable CSV record: {fields}"))
                continue
            if len(fields) != len(header):
                issues.append(LoadIssue(str(path), line, f"expected {len(header)} fields, found {len(fields)}"))
                continue
            if fields == header:
                rows -= 1  # a repeated header line is not a data row
                issues.append(LoadIssue(str(path), line, "repeated header line"))
                continue
            row = dict(zip(header, fields))
            raw_name = row["name"].strip()
            if not raw_name:
                issues.append(LoadIssue(str(path), line, "entry has no name"))
                continue
            code = list_code(row["source"])
            name, parent, aliases = split_name(raw_name)
            key = (code, name, row["start_date"].strip(), row["end_date"].strip())
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(line, row, name, parent)
            addresses = split_multi(row["addresses"])
            for value in (*aliases, *split_multi(row["alt_names"])):
                if value != name and value not in group.aliases:
                    group.aliases.append(value)
            for value in addresses:
                if value not in group.addresses:
                    group.addresses.append(value)
            for iso in _countries_of(row, addresses):
                if iso not in group.countries:
                    group.countries.append(iso)
            for value in split_multi(row.get("federal_register_notice", "") or "", ","):
                if value not in group.citations:
                    group.citations.append(value)

        entries = [self._entry(path, g, issues) for g in groups.values()]
        return LoadResult(entries=entries, rows=rows, issues=issues)

    def _entry(self, path: Path, g: _Group, issues: list[LoadIssue]) -> ListEntry:
        row = g.row
        code = list_code(row["source"])
        dates = []
        for fld in ("start_date", "end_date"):
            try:
                dates.append(parse_date(row[fld]))
            except ValueError as exc:
                issues.append(LoadIssue(str(path), g.line, f"{fld}: {exc}; the entry is kept with no {fld}"))
                dates.append(None)
        remarks = clean(row.get("remarks", "") or "")
        if dates[0] is None and code in LIST_BEGAN:
            dates[0], why = LIST_BEGAN[code]
            remarks = f"{remarks} [start date not in the list; read as {dates[0]}: {why}]".strip()
        number = (row.get("entity_number") or "").strip()
        entry_id = number or stable_id(code, g.name, row["start_date"])
        kind = _KINDS.get((row.get("type") or "").strip().lower(), UNKNOWN)
        if kind == UNKNOWN and g.parent:
            kind = ORGANIZATION
        return ListEntry(
            dataset=self.dataset,
            list=code,
            entry_id=entry_id,
            kind=kind,
            name=g.name,
            aliases=tuple(g.aliases),
            addresses=tuple(g.addresses),
            countries=tuple(g.countries),
            programs=split_multi(row.get("programs", "") or ""),
            start_date=dates[0],
            end_date=dates[1],
            remarks=remarks,
            source_url=clean(row.get("source_list_url", "") or ""),
            citation=", ".join(g.citations),
            parent=g.parent,
            license_requirement=clean(row.get("license_requirement", "") or ""),
            license_policy=clean(row.get("license_policy", "") or ""),
        )
