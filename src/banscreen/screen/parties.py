"""Party screening: subjects in, matched and explained results out.

`Screener` holds a name index over the list versions in force and screens subjects
lazily; it does no I/O of its own and knows nothing of the CLI. `open_screener` is the
convenience that picks versions from a `ListStore` as of a date and builds the index
(cached on disk per set of versions, see index_cache.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from banscreen.lists.store import ListStore, ListVersion, Selection
from banscreen.match import names as nm
from banscreen.match.destinations import screen_destination
from banscreen.match.index import NameIndex
from banscreen.model import LoadIssue, Match, PartyResult, Subject
from banscreen.reference.countries import to_iso2
from banscreen.screen.index_cache import build_index

# Chosen from the development set (benchmarks/names.py): see README "Choosing --min-score".
DEFAULT_MIN_SCORE = 0.75


@dataclass(frozen=True)
class ScreenOptions:
    """How a party screen runs: as of which date, from which score, against which lists."""

    as_of: dt.date = field(default_factory=dt.date.today)
    min_score: float = DEFAULT_MIN_SCORE
    lists: frozenset[str] | None = None  # list codes to screen against; None = all
    limit: int = 10  # matches kept per subject
    destinations: bool = True


class Screener:
    """Subjects in, `PartyResult`s out: name matches from the index (best first, one per
    listing) and embargoed destinations, as of `options.as_of`. Pure and picklable (a
    Dask worker gets one copy)."""

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
        seen_names: dict[tuple[str, str], set[str]] = {}  # (list, normalized name) -> datasets that carry it
        for hit in hits:
            # The same listing reaches us from several files (an SDN entry in OFAC's own
            # file and in the CSL; a curated entry beside the official one): keep the
            # best. Two entries of one file are two listings, even under one name, and
            # so are they in every file that carries the first of them.
            name_key = (hit.entry.list, nm.normalize(hit.entry.name).text)
            carriers = seen_names.setdefault(name_key, {hit.entry.dataset})
            if hit.entry.key in seen_keys:
                carriers.add(hit.entry.dataset)
                continue
            if hit.entry.dataset not in carriers:
                continue
            seen_keys.add(hit.entry.key)
            matches.append(Match(hit.entry, self._labels.get(hit.entry.dataset, hit.entry.dataset),
                                 hit.matched_name, hit.score, hit.explanation))
        destinations = screen_destination(subject.country, subject.address, o.as_of) if o.destinations else []
        return PartyResult(subject, tuple(matches[: o.limit]), tuple(destinations))

    def may_differ(self, subject: Subject, changed: frozenset[int], freed: int) -> bool:
        """Whether screening `subject` can give other matches than before the entries at
        index positions `changed` changed and `freed` candidates left: False only when
        certain (NameIndex.may_differ). Destinations do not depend on the lists."""
        o = self.options
        return self.index.may_differ(subject.name, changed, freed, as_of=o.as_of, min_score=o.min_score,
                                     lists=o.lists)

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


def open_screener(store: ListStore, options: ScreenOptions = ScreenOptions(),
                  pinned: dict[str, str] | None = None) -> tuple[Screener, Selection]:
    """A Screener over the versions in force on `options.as_of` (or `pinned` ones), and
    that selection (with its warnings)."""
    store.ensure_bundled()
    selection = store.select(options.as_of, pinned)
    index = build_index(store, selection.versions)
    return Screener(index, selection.versions, options), selection
