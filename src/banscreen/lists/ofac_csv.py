"""OFAC's legacy CSV files: sdn.csv with, when present beside it, alt.csv (aliases),
add.csv (addresses) and sdn_comments.csv (remarks too long for sdn.csv).

No header row; `-0- ` marks an empty field; the file ends with a Ctrl-Z byte. Individuals
are written "LAST, First". Remarks hold more aliases ("a.k.a. 'BNC'")."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path

from banscreen.csvrecords import records
from banscreen.lists._util import clean, read_text
from banscreen.lists.interface import ListError, ListLoader, LoadResult
from banscreen.reference.countries import to_iso2
from banscreen.model import AIRCRAFT, ORGANIZATION, PERSON, VESSEL, ListEntry, LoadIssue

SDN_COLUMNS = 12
SOURCE_URL = "https://sanctionslist.ofac.treas.gov/Home/SdnList"
# The alias runs to the quote that ends it: the one before ";", "." or "," or the end, so
# an alias holding an apostrophe ("a.k.a. 'ABU-'UMAR'.") stays whole.
_AKA = re.compile(r"\b[afn]\.k\.a\.,?\s*'(.+?)'(?=\s*[;.,]|\s*$)", re.IGNORECASE)
_KINDS = {"individual": PERSON, "vessel": VESSEL, "aircraft": AIRCRAFT, "": ORGANIZATION}


def _null(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def _rows(path: Path, width: int, issues: list[LoadIssue]) -> list[tuple[int, list[str]]]:
    """(first line number, fields) for each record; malformed records become issues."""
    text = read_text(path, issues).rstrip("\x1a\r\n ")
    if not text:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    out = []
    for line, row in records(reader):
        if isinstance(row, csv.Error):
            issues.append(LoadIssue(str(path), line, f"unreadable CSV record: {row}"))
        elif len(row) != width:
            issues.append(LoadIssue(str(path), line, f"expected {width} fields, found {len(row)}"))
        else:
            out.append((line, [_null(f) for f in row]))
    return out


class OfacCsvLoader(ListLoader):
    format = "ofac-csv"
    dataset = "ofac-sdn"
    description = "OFAC SDN legacy CSV (sdn.csv + alt.csv + add.csv + sdn_comments.csv)"

    @classmethod
    def sniff(cls, path: Path) -> bool:
        if path.is_dir():
            return _find(path, "sdn") is not None
        return path.name.lower() in {"sdn.csv", "sdn.csv.gz"}

    def load(self, path: Path) -> LoadResult:
        folder = path if path.is_dir() else path.parent
        sdn_path = _find(folder, "sdn") if path.is_dir() else path
        if sdn_path is None or not sdn_path.exists():
            raise ListError(f"{path}: no sdn.csv here (an OFAC SDN folder needs sdn.csv)")
        issues: list[LoadIssue] = []
        sdn_rows = _rows(sdn_path, SDN_COLUMNS, issues)

        aliases, addresses, countries, comments = _side_files(folder, issues)
        entries = []
        for line, f in sdn_rows:
            ent, name, sdn_type, program = f[0], clean(f[1]), f[2].lower(), f[3]
            if not ent.isdigit():
                issues.append(LoadIssue(str(sdn_path), line, f"ent_num is not a number: {ent!r}"))
                continue
            if not name:
                issues.append(LoadIssue(str(sdn_path), line, "entry has no name"))
                continue
            if sdn_type not in _KINDS:
                issues.append(LoadIssue(str(sdn_path), line, f"unknown SDN_Type {f[2]!r}; read as organization"))
            remarks = " ".join([f[11], *comments.get(ent, [])]).strip()
            names = [*aliases.get(ent, [])]
            for aka in _AKA.findall(remarks):
                aka = clean(aka)
                if aka and aka not in names and aka != name:
                    names.append(aka)
            programs = tuple(p.strip(" []") for p in program.split("] [") if p.strip(" []"))
            entries.append(
                ListEntry(
                    dataset=self.dataset,
                    list="SDN",
                    entry_id=ent,
                    kind=_KINDS.get(sdn_type, ORGANIZATION),
                    name=name,
                    aliases=tuple(dict.fromkeys(n for n in names if n != name)),
                    addresses=tuple(addresses.get(ent, [])),
                    countries=tuple(countries.get(ent, [])),
                    programs=programs,
                    remarks=remarks,
                    source_url=SOURCE_URL,
                )
            )
        return LoadResult(entries=entries, rows=len(sdn_rows) + _count_bad(issues, sdn_path), issues=issues)


def _find(folder: Path, stem: str) -> Path | None:
    for name in (f"{stem}.csv", f"{stem}.csv.gz", f"{stem.upper()}.CSV"):
        if (folder / name).exists():
            return folder / name
    return None


def _count_bad(issues: list[LoadIssue], path: Path) -> int:
    """Malformed records were still rows of the file: count them in `rows`."""
    return sum(1 for i in issues if i.path == str(path) and i.reason.startswith(("expected", "unreadable")))


def _side_files(folder: Path, issues: list[LoadIssue]) -> tuple[dict[str, list[str]], ...]:
    """(aliases, addresses, countries, comments) by ent_num, from alt.csv, add.csv and
    sdn_comments.csv where the folder has them."""
    aliases: dict[str, list[str]] = defaultdict(list)
    addresses: dict[str, list[str]] = defaultdict(list)
    countries: dict[str, list[str]] = defaultdict(list)
    comments: dict[str, list[str]] = defaultdict(list)
    alt = _find(folder, "alt")
    if alt is not None:
        for line, (ent, _num, _type, name, _remarks) in _rows(alt, 5, issues):
            if name:
                aliases[ent].append(clean(name))
            else:
                issues.append(LoadIssue(str(alt), line, "alias row with no name"))
    add = _find(folder, "add")
    if add is not None:
        for _line, (ent, _num, street, city, country, _remarks) in _rows(add, 6, issues):
            address = ", ".join(p for p in (street, city, country) if p)
            if address:
                addresses[ent].append(clean(address))
            iso = to_iso2(country) if country else None
            if iso and iso not in countries[ent]:
                countries[ent].append(iso)
    comments_path = _find(folder, "sdn_comments")
    if comments_path is not None:
        for _line, (ent, text) in _rows(comments_path, 2, issues):
            comments[ent].append(text)
    return aliases, addresses, countries, comments
