"""Shared set-up for the benchmarks: the dev set, the bundled lists, timing helpers."""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from banscreen.lists.store import ListStore
from banscreen.screen import build_index

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BANSCREEN_SHARED", REPO.parent / "shared"))
DEV_SET = SHARED / "data" / "bench" / "names-dev.jsonl"
OUT = REPO / "benchmarks" / "out"


@dataclass(frozen=True)
class Query:
    id: int
    query: str
    kind: str
    country: str
    perturbation: str
    source: str | None
    names: frozenset[str]


def load_dev_set(path: Path = DEV_SET) -> list[Query]:
    if not path.exists():
        sys.exit(f"dev set not found at {path}; set BANSCREEN_SHARED to the shared/ folder")
    out = []
    for line in path.read_text("utf-8").splitlines():
        d = json.loads(line)
        exp = d["expect"] or {}
        out.append(Query(d["id"], d["query"], d["kind"], d["country"], d["perturbation"],
                         exp.get("source"), frozenset(exp.get("names") or ())))
    return out


def bundled_store() -> ListStore:
    """A throwaway store holding the bundled snapshot (the benchmark's reference lists)."""
    store = ListStore(Path(tempfile.mkdtemp(prefix="banscreen-bench-")))
    store.ensure_bundled()
    return store


def bundled_index(store: ListStore):
    versions = store.select(__import__("datetime").date.today()).versions
    return build_index(store, versions, cache=False), versions


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


LISTS = SHARED / "data" / "lists"


def real_list_store(folder: Path, with_dpl_2018: bool = False) -> ListStore:
    """A store with real list files: OFAC SDN of 2024-05 and the CSL of 2022-05 (and the
    DPL of 2018-08), as the case-store benchmarks screen against."""
    import datetime as dt

    store = ListStore(folder)
    store.import_file(LISTS / "ofac-sdn-2024-05_jackdwyer" / "sdn.csv", published=dt.date(2024, 5, 3))
    if with_dpl_2018:
        store.import_file(LISTS / "bis-dpl-2018-08_peoplecheck" / "dpl.txt")
    store.import_file(LISTS / "trade-gov-csl-2022-05_moov-watchman" / "consolidated.csv.gz",
                      published=dt.date(2022, 5, 16))
    return store
