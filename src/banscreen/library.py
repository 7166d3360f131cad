"""banscreen as a Python library, for notebooks and other programs.

    from banscreen import Screener

    screener = Screener.open(as_of="2018-05-01", lists=["DPL", "EL"])
    screener.screen_party("ZTE Corporation", country="CN")["matches"][0]["list"]   # 'DPL'
    findings = screener.screen_frame(df, name_col="customer", country_col="country")

Every answer is the record `screen ... -f json` writes for the same input (report/
records.py): a party's `matches` are the same match objects, with their explanations.
A frame's findings come back as a pandas DataFrame (pandas is an optional extra:
`pip install 'banscreen[pandas]'`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from banscreen.lists.store import ListStore, Selection, default_root
from banscreen.model import SHIPMENT_ROLES, Asset, LoadIssue, Observation, Shipment, ShipmentParty, Subject
from banscreen.reference.classification import classification
from banscreen.report.records import row_record
from banscreen.screen import (DEFAULT_MIN_SCORE, EquipmentOptions, ScreenOptions, open_equipment_screener,
                              open_screener)
from banscreen.screen import Screener as PartyScreener
from banscreen.screen.android import indicator_set, open_android_scanner
from banscreen.screen.shipments import ShipmentScreener
from banscreen.sources import android as android_sources
from banscreen.sources.equipment import read_assets

if TYPE_CHECKING:  # pandas is optional: imported only by screen_frame
    import pandas

FRAME_COLUMNS = ["row", "name", "country", "kind", "list", "entry_id", "entry_name", "matched_name", "score",
                 "start_date", "end_date", "list_version", "citation", "why"]


def _date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


class Screener:
    """Screens parties, shipments, equipment and Android units against the lists in
    force on one date, with the same code and the same answers as the command line.
    Make one with `Screener.open`; it holds the name index (built once, cached on
    disk) and can be used from several threads for reading."""

    def __init__(self, store: ListStore, options: ScreenOptions, parties: PartyScreener, selection: Selection):
        self.store = store
        self.options = options
        self.parties = parties
        self.selection = selection
        self._equipment = None
        self._shipments: ShipmentScreener | None = None

    @classmethod
    def open(cls, as_of: dt.date | str | None = None, lists: Iterable[str] | None = None, *,
             min_score: float = DEFAULT_MIN_SCORE, home: Path | str | None = None,
             pinned: Mapping[str, str] | None = None) -> "Screener":
        """A screener over the list versions in force on `as_of` (default: today) in the
        list store at `home` (default: as the CLI's), optionally only the list codes in
        `lists` ("SDN", "EL", "DPL", ...) and pinned versions (`{"csl": "2022-05-16-..."}`)."""
        codes = frozenset(c.strip().upper() for c in lists) if lists is not None else None
        options = ScreenOptions(as_of=_date(as_of), min_score=min_score, lists=codes)
        store = ListStore(Path(home) if home is not None else default_root())
        parties, selection = open_screener(store, options, dict(pinned or {}))
        known = {e.list for e in parties.index.entries}
        if codes and codes - known:
            raise ValueError(f"unknown list code(s) {', '.join(sorted(codes - known))}; known: "
                             f"{', '.join(sorted(known))}")
        return cls(store, options, parties, selection)

    @property
    def versions(self) -> dict[str, str]:
        """The list versions screened against: dataset -> version."""
        return {v.dataset: v.version for v in self.selection.versions}

    def screen_party(self, name: str, country: str = "", address: str = "") -> dict[str, Any]:
        """One party: {"subject", "matches", "destinations"}, each match as in the JSON
        output (list, entry_id, name, matched_name, score, dates, explanation, ...)."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError("the name is empty: nothing to screen")
        result = self.parties.screen(Subject(row=1, line=0, name=name, country=country or "", address=address or ""))
        record = row_record(result)
        return {k: record[k] for k in ("subject", "matches", "destinations")}

    def screen_frame(self, df: "pandas.DataFrame", name_col: str = "name", country_col: str | None = None,
                     address_col: str | None = None) -> "pandas.DataFrame":
        """Every finding for the rows of `df`, one per row of the answer (columns
        FRAME_COLUMNS; `row` is the input row's index label). A row with an empty name is
        skipped: it has nothing to screen; rows without findings do not appear."""
        import pandas

        for col in (name_col, country_col, address_col):
            if col is not None and col not in df.columns:
                raise KeyError(f"no column {col!r} (columns: {', '.join(map(str, df.columns))})")
        out: list[dict[str, Any]] = []
        for label, row in df.iterrows():
            name = _text(row[name_col])
            if not name:
                continue
            country = _text(row[country_col]) if country_col else ""
            address = _text(row[address_col]) if address_col else ""
            record = self.screen_party(name, country, address)
            for m in record["matches"]:
                why = next((f["detail"] for f in m["explanation"]["features"]
                            if f["name"] in ("exact", "tokens", "joined")), "")
                out.append({"row": label, "name": name, "country": country, "kind": "match", "list": m["list"],
                            "entry_id": m["entry_id"], "entry_name": m["name"], "matched_name": m["matched_name"],
                            "score": m["score"], "start_date": m["start_date"], "end_date": m["end_date"],
                            "list_version": m["list_version"], "citation": m["citation"], "why": why})
            for d in record["destinations"]:
                out.append({"row": label, "name": name, "country": country, "kind": "destination", "list": d["code"],
                            "entry_id": d["code"], "entry_name": d["place"], "matched_name": None, "score": None,
                            "start_date": d["start_date"], "end_date": d["end_date"], "list_version": None,
                            "citation": d["citation"], "why": d["evidence"]})
        return pandas.DataFrame(out, columns=FRAME_COLUMNS)

    def screen_shipment(self, parties: Mapping[str, str | Mapping[str, str]], *, destination: str = "",
                        eccn: str = "", ship_date: dt.date | str | None = None, shipment_id: str = "") -> dict[str, Any]:
        """One shipment, decided as of `ship_date` (default: the screener's date):
        `parties` maps a role (purchaser, intermediate_consignee, ultimate_consignee,
        end_user, freight_forwarder) to a name or to {"name", "country", "address"}.
        The answer is `screen shipments -f json`'s record: outcome and reasons."""
        given = []
        for role, party in parties.items():
            if role not in SHIPMENT_ROLES:
                raise ValueError(f"unknown role {role!r}; roles: {', '.join(SHIPMENT_ROLES)}")
            fields = {"name": party} if isinstance(party, str) else dict(party)
            if not str(fields.get("name") or "").strip():
                raise ValueError(f"the {role}'s name is empty")
            given.append(ShipmentParty(role, str(fields["name"]).strip(), str(fields.get("country") or ""),
                                       str(fields.get("address") or "")))
        if not given:
            raise ValueError("a shipment needs at least one party")
        if self._shipments is None:
            self._shipments = ShipmentScreener(self.store, self.options)
        shipment = Shipment(row=1, line=0, id=shipment_id, parties=tuple(given),
                            destination=destination, eccn=classification(eccn),
                            ship_date=_date(ship_date) if ship_date is not None else self.options.as_of)
        record = row_record(self._shipments.screen(shipment))
        record.pop("input")
        return record

    def screen_equipment(self, path: Path | str | None = None, *,
                         observations: Iterable[tuple[str, str]] | None = None, label: str = "asset"
                         ) -> list[dict[str, Any]]:
        """Covered-vendor findings for an inventory file (any format `screen equipment`
        reads), or for one asset given as (kind, value) observations such as
        ("mac", "00:E0:FC:12:34:56"), ("vendor", "Huawei"). One record per asset, as in
        the JSON output; unreadable rows as {"line", "error"} records."""
        if self._equipment is None:
            self._equipment, _ = open_equipment_screener(self.store, EquipmentOptions(as_of=self.options.as_of,
                                                                                      lists=self.options.lists))
        if (path is None) == (observations is None):
            raise ValueError("give a file path or observations, not both")
        if path is not None:
            items = self._equipment.screen_all(read_assets(Path(path)))
        else:
            asset = Asset(1, 0, "python", label, tuple(Observation(k, v, "python") for k, v in observations))
            items = self._equipment.screen_all([asset])
        return [row_record(item) for item in items]

    def screen_android(self, path: Path | str) -> list[dict[str, Any]]:
        """Android findings for a capture, an acquisition, an APK, a firmware image or
        folder (anything `android scan` reads): one record per unit with findings, as in
        the JSON output; unreadable inputs as {"line", "error"} records."""
        indicators, _ = indicator_set()
        scanner, _ = open_android_scanner(self.store, self.options.as_of, indicators)
        return [row_record(item) for item in scanner.scan_all(android_sources.read(Path(path)))
                if isinstance(item, LoadIssue) or item.hit]


def _text(value: Any) -> str:
    """A cell as text: missing values (None, NaN, pandas.NA) are empty."""
    if value is None:
        return ""
    try:
        if value != value:  # NaN
            return ""
    except (TypeError, ValueError):  # pandas.NA compares ambiguously
        return ""
    return str(value).strip()


__all__ = ["FRAME_COLUMNS", "Screener"]
