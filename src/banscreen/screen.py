"""The one orchestrator: subjects in, matched and explained results out.

`Screener` holds a name index over the list versions in force and screens subjects
lazily; it does no I/O of its own and knows nothing of the CLI. `open_screener` is the
convenience that picks versions from a `ListStore` as of a date and builds the index
(cached on disk per set of versions)."""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterable, Iterator

from banscreen import __version__
from banscreen.lists.store import ListStore, ListVersion, Selection
from banscreen.match import names as nm
from banscreen.match.countries import to_iso2
from banscreen.match.destinations import screen_destination
from banscreen.match.index import NameIndex
from banscreen.model import Asset, AssetResult, ListEntry, LoadIssue, Match, PartyResult, Subject

# Chosen from the development set (benchmarks/names.py): see README "Choosing --min-score".
DEFAULT_MIN_SCORE = 0.75


@dataclass(frozen=True)
class ScreenOptions:
    as_of: dt.date = field(default_factory=dt.date.today)
    min_score: float = DEFAULT_MIN_SCORE
    lists: frozenset[str] | None = None  # list codes to screen against; None = all
    limit: int = 10  # matches kept per subject
    destinations: bool = True


class Screener:
    def __init__(self, index: NameIndex, versions: Iterable[ListVersion], options: ScreenOptions = ScreenOptions()):
        self.index = index
        self.versions = tuple(versions)
        self.options = options
        self._labels = {v.dataset: v.label for v in self.versions}

    def screen(self, subject: Subject) -> PartyResult:
        o = self.options
        iso = to_iso2(subject.country) if subject.country else None
        hits = self.index.search(subject.name, as_of=o.as_of, countries=[iso] if iso else [],
                                 min_score=o.min_score, lists=o.lists, limit=o.limit * 3)
        matches = []
        seen_keys: set[str] = set()
        seen_names: dict[tuple[str, str], str] = {}  # (list, normalized name) -> dataset
        for hit in hits:
            # The same listing reaches us from several files (an SDN entry in OFAC's own
            # file and in the CSL; a curated entry beside the official one): keep the
            # best. Two entries of one file are two listings, even under one name.
            name_key = (hit.entry.list, nm.normalize(hit.entry.name).text)
            if hit.entry.key in seen_keys or seen_names.get(name_key, hit.entry.dataset) != hit.entry.dataset:
                continue
            seen_keys.add(hit.entry.key)
            seen_names.setdefault(name_key, hit.entry.dataset)
            matches.append(Match(hit.entry, self._labels.get(hit.entry.dataset, hit.entry.dataset),
                                 hit.matched_name, hit.score, hit.explanation))
        destinations = screen_destination(subject.country, subject.address, o.as_of) if o.destinations else []
        return PartyResult(subject, tuple(matches[: o.limit]), tuple(destinations))

    def screen_all(self, items: Iterable[Subject | LoadIssue]) -> Iterator[PartyResult | LoadIssue]:
        for item in items:
            yield item if isinstance(item, LoadIssue) else self.screen(item)

    def __getstate__(self) -> dict:
        # object ids mean nothing in another process: the position cache never travels
        state = dict(self.__dict__)
        state.pop("_positions", None)
        return state

    def entry_positions(self) -> dict[int, int]:
        """Position in the index of each entry object, by identity: lets a worker name
        an entry to a client holding the same index without sending the entry."""
        cached = getattr(self, "_positions", None)
        if cached is None:
            cached = self._positions = {id(e): i for i, e in enumerate(self.index.entries)}
        return cached


def _index_key(versions: Iterable[ListVersion]) -> str:
    tables = resources.files("banscreen.data").joinpath("names.yaml").read_bytes()
    h = hashlib.sha256(__version__.encode() + tables)
    for v in sorted(versions, key=lambda v: v.label):
        h.update(v.label.encode())
    return h.hexdigest()[:20]


_LOADED: dict[str, NameIndex] = {}  # in this process, by cache key


def build_index(store: ListStore, versions: Iterable[ListVersion], cache: bool = True) -> NameIndex:
    """The name index over these versions: built once, then loaded from the store's cache
    (the cache key covers the versions, the normalization tables and banscreen's version)
    and kept in memory for the life of the process."""
    versions = tuple(versions)
    key = _index_key(versions)
    if cache and key in _LOADED:
        return _LOADED[key]
    path = store.root / "cache" / f"index-{key}.pickle"
    if cache and path.exists():
        try:
            with path.open("rb") as fh:
                _LOADED[key] = pickle.load(fh)
                return _LOADED[key]
        except Exception:  # a stale or damaged cache is rebuilt, never trusted
            path.unlink(missing_ok=True)
    entries: list[ListEntry] = []
    for v in versions:
        entries.extend(store.entries(v))
    index = NameIndex(entries)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{id(index)}")
        with tmp.open("wb") as fh:
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        _LOADED.clear()  # keep one index in memory, not one per as-of date ever used
        _LOADED[key] = index
    return index


def open_screener(store: ListStore, options: ScreenOptions = ScreenOptions(),
                  pinned: dict[str, str] | None = None) -> tuple[Screener, Selection]:
    store.ensure_bundled()
    selection = store.select(options.as_of, pinned)
    index = build_index(store, selection.versions)
    return Screener(index, selection.versions, options), selection


# --- equipment -------------------------------------------------------------------------------

@dataclass(frozen=True)
class EquipmentOptions:
    as_of: dt.date = field(default_factory=dt.date.today)
    lists: frozenset[str] | None = None


class EquipmentScreener:
    """Assets in, covered-vendor findings out. No I/O of its own."""

    def __init__(self, resolver, versions: Iterable[ListVersion], options: EquipmentOptions = EquipmentOptions()):
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
    from banscreen.lists.oui import oui_registry
    from banscreen.match.equipment import VendorResolver, load_vendors

    store.ensure_bundled()
    selection = store.select(options.as_of, pinned, datasets=["telecom"])
    entries = {e.entry_id: e for v in selection.versions for e in store.entries(v)}
    resolver = VendorResolver(load_vendors(entries), oui_registry())
    return EquipmentScreener(resolver, selection.versions, options), selection
