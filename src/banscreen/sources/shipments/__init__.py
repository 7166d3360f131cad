"""Shipments to decide on: rows of any tabular file (CSV/TSV, XLSX, JSON Lines), each one
shipment with its parties by role, destination, classification and ship date. Columns
are found by their usual names (`shipment_id`, `purchaser`, `end_user_country`, `eccn`,
`ship_date`, ...) in any spelling: spaces, capitals and punctuation do not matter."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from banscreen.reference.classification import ClassificationError, classification
from banscreen.model import SHIPMENT_ROLES, LoadIssue, Shipment, ShipmentParty
from banscreen.sources.interface import SourceError
from banscreen.sources.parties.columns import fold
from banscreen.sources.tabular import reader_for
from banscreen.sources.tabular.interface import long_name_issue, nul_column, nul_issue

# Usual header names of each column, folded (lower case, letters and digits only), in
# order of preference.
USUAL: dict[str, tuple[str, ...]] = {
    "id": ("shipmentid", "shipment", "shipmentno", "shipmentnumber", "shipmentref", "id", "reference", "ref",
           "orderid", "ordernumber", "order"),
    "destination": ("destinationcountry", "destination", "countryofdestination", "destcountry", "shiptocountry",
                    "countryofultimatedestination", "ultimatedestination"),
    "eccn": ("eccn", "classification", "exportclassification", "exportcontrolclassificationnumber"),
    "ship_date": ("shipdate", "shipmentdate", "shippingdate", "exportdate", "dateofexport", "date"),
}
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "purchaser": ("purchaser", "buyer"),
    "intermediate_consignee": ("intermediateconsignee",),
    "ultimate_consignee": ("ultimateconsignee", "consignee"),
    "end_user": ("enduser",),
    "freight_forwarder": ("freightforwarder", "forwarder"),
}
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?")


@dataclass(frozen=True)
class ShipmentColumns:
    """A file's columns resolved: for each role its name, country and address column."""

    id: str | None
    destination: str | None
    eccn: str | None
    ship_date: str | None
    roles: tuple[tuple[str, str, str | None, str | None], ...]  # (role, name, country, address)

    @classmethod
    def resolve(cls, header: list[str], path: Path | str, line: int = 1) -> "ShipmentColumns":
        folded = {fold(h): h for h in header}

        def first(candidates: tuple[str, ...]) -> str | None:
            return next((folded[c] for c in candidates if c in folded), None)

        roles = []
        for role in SHIPMENT_ROLES:
            stems = ROLE_NAMES[role]
            name = first(tuple(x for s in stems for x in (s, f"{s}name")))
            if name is None:
                continue
            country = first(tuple(x for s in stems for x in (f"{s}country", f"{s}countrycode")))
            address = first(tuple(x for s in stems for x in (f"{s}address", f"{s}addr")))
            roles.append((role, name, country, address))
        if not roles:
            raise SourceError(path, "no party column found (columns: " + ", ".join(header) + "); expected one of "
                              + ", ".join(SHIPMENT_ROLES), line)
        return cls(first(USUAL["id"]), first(USUAL["destination"]), first(USUAL["eccn"]), first(USUAL["ship_date"]),
                   tuple(roles))

    def shipment(self, row: int, line: int, fields: Mapping[str, str], source: str) -> Shipment | LoadIssue:
        """The shipment on one row, or why the row is not one."""
        if (bad := nul_column(fields)) is not None:
            return nul_issue(source, line, bad)

        def value(column: str | None) -> str:
            return str(fields.get(column) or "").strip() if column else ""

        parties = tuple(ShipmentParty(role, value(name), value(country), value(address))
                        for role, name, country, address in self.roles if value(name))
        if not parties:
            return LoadIssue(source, line, "no party named: every party column ("
                             + ", ".join(name for _, name, _, _ in self.roles) + ") is empty")
        for _, name, _, _ in self.roles:
            if (too_long := long_name_issue(source, line, name, value(name))) is not None:
                return too_long
        try:
            item = classification(value(self.eccn))
        except ClassificationError as exc:
            return LoadIssue(source, line, f"column {self.eccn!r}: {exc}")
        day = value(self.ship_date)
        ship_date = None
        if day:
            m = _DATE.fullmatch(day)
            try:
                ship_date = dt.date.fromisoformat(m.group(1)) if m else None
            except ValueError:
                ship_date = None
            if ship_date is None:
                return LoadIssue(source, line, f"column {self.ship_date!r}: not a date (YYYY-MM-DD): {day[:40]!r}")
        return Shipment(row=row, line=line, id=value(self.id), parties=parties,
                        destination=value(self.destination), eccn=item, ship_date=ship_date, fields=fields,
                        source=source)


def read_shipments(path: Path, *, format: str | None = None, encoding: str = "utf-8-sig",
                   sheet: str | None = None) -> Iterator[Shipment | LoadIssue]:
    """Shipments in file order, and an issue for each row that could not be used."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "no such file")
    if path.is_dir():
        raise SourceError(path, "is a folder, not a file")
    resolved: ShipmentColumns | None = None
    for row_number, item in enumerate(reader_for(path, format, encoding=encoding, sheet=sheet).rows(path), 1):
        if isinstance(item, LoadIssue):
            yield item
            continue
        if resolved is None:
            resolved = ShipmentColumns.resolve(list(item.fields), path, item.line)
        yield resolved.shipment(row_number, item.line, item.fields, str(path))


__all__ = ["ROLE_NAMES", "USUAL", "ShipmentColumns", "read_shipments"]
