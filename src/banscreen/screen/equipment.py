"""Equipment screening: assets in, covered-vendor findings out. Covered-vendor listings
come from the curated telecom dataset in force; the resolver (match/equipment.py) does
the judging."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from banscreen.lists.store import ListStore, ListVersion, Selection
from banscreen.match.equipment import VendorResolver, load_vendors
from banscreen.model import Asset, AssetResult, LoadIssue
from banscreen.reference.oui import oui_registry


@dataclass(frozen=True)
class EquipmentOptions:
    """How an equipment screen runs: as of which date, against which lists."""

    as_of: dt.date = field(default_factory=dt.date.today)
    lists: frozenset[str] | None = None


class EquipmentScreener:
    """Assets in, covered-vendor findings out. No I/O of its own."""

    def __init__(self, resolver: VendorResolver, versions: Iterable[ListVersion],
                 options: EquipmentOptions = EquipmentOptions()):
        self.resolver = resolver
        self.versions = tuple(versions)
        self.options = options

    def screen(self, asset: Asset) -> AssetResult:
        return AssetResult(asset, self.resolver.screen(asset, self.options.as_of, self.options.lists))

    def screen_all(self, items: Iterable[Asset | LoadIssue]) -> Iterator[AssetResult | LoadIssue]:
        for item in items:
            yield item if isinstance(item, LoadIssue) else self.screen(item)


def open_equipment_screener(store: ListStore, options: EquipmentOptions = EquipmentOptions(),
                            pinned: dict[str, str] | None = None) -> tuple[EquipmentScreener, Selection]:
    """Covered-vendor listings come from the curated telecom dataset in force."""
    store.ensure_bundled()
    selection = store.select(options.as_of, pinned, datasets=["telecom"])
    entries = {e.entry_id: e for v in selection.versions for e in store.entries(v)}
    resolver = VendorResolver(load_vendors(entries), oui_registry())
    return EquipmentScreener(resolver, selection.versions, options), selection
