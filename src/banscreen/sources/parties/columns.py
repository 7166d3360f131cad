"""Which columns of a party file hold the name, country, address and id, and the one
function that turns a row into a `Subject`: local and Dask runs both use it, so a row
means the same wherever it is screened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from banscreen.model import LoadIssue, Subject
from banscreen.sources.interface import SourceError
from banscreen.sources.tabular.interface import long_name_issue, nul_column, nul_issue

# Usual header names, in order of preference, after folding (lower case, no punctuation).
USUAL = {
    "name": ("name", "party", "partyname", "company", "companyname", "customer", "customername", "supplier",
             "suppliername", "consignee", "consigneename", "entity", "entityname", "fullname", "legalname",
             "counterparty", "vendor", "vendorname", "organisation", "organization"),
    "country": ("country", "countrycode", "countryname", "ctry", "nation", "iso2", "countryiso"),
    "address": ("address", "fulladdress", "streetaddress", "addr", "address1", "street"),
    "id": ("id", "partyid", "customerid", "supplierid", "vendorid", "accountid", "account", "ref", "reference"),
}
# Columns appended to the address, in this order, when the file has them.
EXTRA_ADDRESS = ("address2", "city", "town", "state", "province", "region", "postcode", "postalcode", "zip")


@dataclass(frozen=True)
class ColumnMap:
    """Which input columns hold what, as the user named them; None means 'find it by its
    usual names'."""

    name: str | None = None
    country: str | None = None
    address: str | None = None
    id: str | None = None


def fold(header: str) -> str:
    """A header as compared: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def resolve_column(header: list[str], wanted: str | None, role: str, path: Path | str, line: int) -> str | None:
    """The header that holds `role`: the one the user named (exactly, or folded), else
    the first usual name present; None when there is none."""
    folded = {fold(h): h for h in header}
    if wanted is not None:
        if wanted in header:
            return wanted
        if fold(wanted) in folded:
            return folded[fold(wanted)]
        raise SourceError(path, f"no column {wanted!r} for the {role} (columns: {', '.join(header)})", line)
    for candidate in USUAL[role]:
        if candidate in folded:
            return folded[candidate]
    return None


@dataclass(frozen=True)
class PartyColumns:
    """A file's columns resolved: the header for each role, and the extra address
    columns (city, state, postcode, ...) joined to the address."""

    name: str
    country: str | None
    address: str | None
    id: str | None
    extra_address: tuple[str, ...]

    @classmethod
    def resolve(cls, header: list[str], columns: ColumnMap, path: Path | str, line: int = 1) -> "PartyColumns":
        mapping = {role: resolve_column(header, getattr(columns, role), role, path, line) for role in USUAL}
        if mapping["name"] is None:
            raise SourceError(path, f"no name column found (columns: {', '.join(header)}); "
                                    "name it with --name-col", 1)
        folded = {fold(h): h for h in header}
        extra = tuple(folded[c] for c in EXTRA_ADDRESS if c in folded and folded[c] != mapping["address"])
        return cls(mapping["name"], mapping["country"], mapping["address"], mapping["id"], extra)

    def subject(self, row: int, line: int, fields: Mapping[str, str], source: str) -> Subject | LoadIssue:
        """The party on one row, or the reason it is not one (an empty name, a NUL
        character)."""
        if (bad := nul_column(fields)) is not None:
            return nul_issue(source, line, bad)
        name = (fields.get(self.name) or "").strip()
        if not name:
            return LoadIssue(source, line, f"empty name in column {self.name!r}")
        if (too_long := long_name_issue(source, line, self.name, name)) is not None:
            return too_long
        parts = [fields.get(c) or "" for c in ((self.address,) if self.address else ()) + self.extra_address]
        return Subject(
            row=row,
            line=line,
            name=name,
            country=(fields.get(self.country) or "").strip() if self.country else "",
            address=", ".join(p.strip() for p in parts if p.strip()),
            id=(fields.get(self.id) or "").strip() if self.id else "",
            fields=fields,
            source=source,
        )
