"""Shipment screening: each party of a shipment screened by name as of the ship date,
each listing read with its own terms (match/export_rules.py), the destination checked
for a comprehensive embargo, and the strictest outcome kept with every reason.

A shipment is decided as of its own ship date: the lists selected and the listings in
force are those of that day (a 2018 shipment is checked against the ZTE denial order of
2018, a 2019-05-18 one against the Huawei listing effective 2019-05-16). One name index
is built per distinct selection of list versions and kept for the run."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Iterable, Iterator

from banscreen.lists.store import ListStore, Selection
from banscreen.match.destinations import screen_destination
from banscreen.match.export_rules import destination_reasons, ordered, outcome_of, party_reasons
from banscreen.model import LoadIssue, Shipment, ShipmentReason, ShipmentResult, Subject
from banscreen.screen.index_cache import build_index
from banscreen.screen.parties import Screener, ScreenOptions


class ShipmentScreener:
    """Shipments in, `ShipmentResult`s out. `options.as_of` is the date for rows without
    a ship date; `options.min_score` the lowest name score that becomes a reason (below
    match/export_rules.STRONG_MATCH a reason is `review`)."""

    def __init__(self, store: ListStore | None, options: ScreenOptions = ScreenOptions(),
                 pinned: dict[str, str] | None = None, fixed: Screener | None = None):
        self.store, self.options, self.pinned = store, options, dict(pinned or {})
        self._by_day: dict[dt.date, Screener] = {}
        self._by_versions: dict[tuple[str, ...], Screener] = {}
        self._older: dict[str, tuple[dt.date, str]] = {}  # dataset -> (earliest ship date it is too new for, version)
        # one set of versions for every date (the service's lists in force): only the
        # listings' own dates decide what was in force on a ship date
        self._fixed = fixed
        if fixed is None:
            if store is None:
                raise ValueError("a ShipmentScreener needs a list store or a fixed screener")
            store.ensure_bundled()

    @classmethod
    def over(cls, screener: Screener, options: ScreenOptions) -> "ShipmentScreener":
        """Shipments screened against `screener`'s index whatever their date."""
        return cls(None, options, fixed=screener)

    def selection(self, day: dt.date) -> Selection:
        """The list versions a shipment on `day` is screened against."""
        assert self.store is not None, "a fixed screener has no store to select from"
        return self.store.select(day, self.pinned)

    def screener(self, day: dt.date) -> Screener:
        """The party screener for shipments on `day` (one index per set of versions)."""
        if self._fixed is not None:  # not kept per day: a service sees any number of dates
            return Screener(self._fixed.index, self._fixed.versions, dataclasses.replace(self.options, as_of=day))
        found = self._by_day.get(day)
        if found is None:
            selection = self.selection(day)
            for v in selection.versions:
                if not v.historical and v.published > day and v.dataset not in self.pinned:
                    earliest, _ = self._older.get(v.dataset, (day, ""))
                    self._older[v.dataset] = (min(earliest, day), v.version)
            labels = tuple(sorted(v.label for v in selection.versions))
            base = self._by_versions.get(labels)
            if base is None:
                base = self._by_versions[labels] = Screener(build_index(self.store, selection.versions),
                                                            selection.versions, self.options)
            found = self._by_day[day] = Screener(base.index, base.versions,
                                                 dataclasses.replace(self.options, as_of=day))
        return found

    @property
    def warnings(self) -> list[str]:
        """One line per dataset that had no version old enough for some ship dates."""
        return [f"{dataset}: no version published on or before some ship dates (the earliest {day}); those rows "
                f"used the oldest, {version}, which may lack entries removed since"
                for dataset, (day, version) in sorted(self._older.items())]

    def screen(self, shipment: Shipment) -> ShipmentResult:
        day = shipment.ship_date or self.options.as_of
        screener = self.screener(day)
        reasons: list[ShipmentReason] = []
        for party in shipment.parties:
            result = screener.screen(Subject(row=shipment.row, line=shipment.line, name=party.name,
                                             country=party.country, address=party.address, source=shipment.source))
            reasons += party_reasons(party, result.matches, shipment.eccn, day)
            reasons += destination_reasons(result.destinations, party.role, party.name)
        if shipment.destination and self.options.destinations:
            reasons += destination_reasons(screen_destination(shipment.destination, "", day))
        return ShipmentResult(shipment, day, outcome_of(reasons), ordered(reasons))

    def screen_all(self, items: Iterable[Shipment | LoadIssue]) -> Iterator[ShipmentResult | LoadIssue]:
        for item in items:
            yield item if isinstance(item, LoadIssue) else self.screen(item)
