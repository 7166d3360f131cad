"""The name index over a set of list versions: built once, cached on disk in the list
store and kept in memory for the life of the process. The cache key covers the
versions, the normalization tables and banscreen's version, so a stale index is never
used; a damaged cache file is rebuilt, never trusted."""

from __future__ import annotations

import gc
import hashlib
import logging
import pickle
from importlib import resources
from typing import Iterable

from banscreen.lists.store import ListStore, ListVersion
from banscreen.match import fingerprint as match_fingerprint
from banscreen.match.index import NameIndex
from banscreen.model import ListEntry

log = logging.getLogger(__name__)


def _index_key(versions: Iterable[ListVersion]) -> str:
    """What an index depends on: the list versions, and the normalization tables and
    matching code (match.fingerprint: a change to either changes how names are indexed),
    and the layout of the entries it holds (model.py: a pickled entry of another layout
    would miss fields)."""
    h = hashlib.sha256(match_fingerprint().encode())
    h.update(resources.files("banscreen").joinpath("model.py").read_bytes())
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
        except Exception as exc:  # a stale or damaged cache is rebuilt, never trusted
            log.warning("index cache %s not loaded (%s: %s); rebuilding it", path, type(exc).__name__, exc)
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


def settle_heap(collect: bool = True) -> None:
    """Move every object alive now (a loaded name index: hundreds of thousands of them)
    out of the garbage collector's sight, for a process that keeps its index and
    screens with it: otherwise each full collection that the churn of screening
    triggers walks the whole index (~0.3 s for the bundled lists: ~12 % of the time of
    a search over names never seen before, and stalls that show as a service's p99).

    `collect`: unfreeze and collect first, so that a previous index, now garbage held
    in reference cycles, is freed rather than frozen for good; a long-lived process
    that replaces its index must, a one-shot command that loads one index need not
    (and saves the collection's time)."""
    if collect:
        gc.unfreeze()
        gc.collect()
    gc.freeze()
