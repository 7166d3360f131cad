"""Screening a batch's parties in worker processes, so that one large batch uses every
core of the machine instead of the one its service worker runs on.

A uvicorn worker is one process: it screens a streamed `/v1/screen/batch` in turns of
its event loop (api/overload.py), at the speed of one core. With a `BatchPool` the
worker reads the batch, sends its parties in chunks to a few screening processes, and
streams their answers back in order; its own loop stays free for single requests and
for refusing what it cannot serve. Each process loads the lists in force itself (from
the store's index cache) when it starts, and the worker's own versions whenever a chunk
comes with others (the service switched, or the day did); a chunk the processes cannot
screen (a process died, the versions cannot be loaded) is screened in the worker as
before, so a batch never fails for it.

The processes are started with `spawn`, not `fork`: the service has threads (list
refresh, webhook deliveries), and a forked copy of a threaded process can inherit a
lock held by a thread that no longer exists."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable

import orjson

from banscreen.model import Subject
from banscreen.report.records import destination_record, match_record
from banscreen.screen import ScreenOptions, Screener, settle_heap

log = logging.getLogger(__name__)

# Parties sent to a process at once: large enough that pickling and the hand-over cost
# little beside screening (~0.2 ms a party), small enough to stream steadily.
CHUNK = 200
# Chunks in flight per process: one being screened, one waiting, so a process never
# waits for the worker between two chunks.
DEPTH = 2
# How often a screening process checks that its worker is still there.
PARENT_CHECK_SECONDS = 1.0

PartyTuple = tuple  # (name, country, address, as_of date or None, min_score)
Versions = tuple  # ((dataset, version), ...): the list versions a worker screens against


def party_answer(screener: Screener, party: PartyTuple) -> bytes:
    """One party's answer (the ScreenResult schema), serialized once with orjson."""
    name, country, address, as_of, min_score = party
    as_of = as_of or dt.date.today()
    one = Screener(screener.index, screener.versions, ScreenOptions(as_of=as_of, min_score=min_score))
    result = one.screen(Subject(row=1, line=0, name=name, country=country, address=address))
    return orjson.dumps({"name": name, "as_of": as_of, "matches": [match_record(m) for m in result.matches],
                         "destinations": [destination_record(d) for d in result.destinations]})


class VersionsDiffer(Exception):
    """A screening process holds other list versions than the worker that sent it work."""


# --- in a screening process -------------------------------------------------------------------------
_process: dict[str, Any] = {}


def _start(root: str, parent: int) -> None:
    """A screening process's start: watch its worker, open the store and load the lists
    in force."""
    from banscreen.lists.store import ListStore

    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="banscreen-batch-parent").start()
    _process["store"] = ListStore(Path(root))
    _load()


def _exit_with(parent: int) -> None:
    """End this process once its worker is gone. A pool's processes wait on a queue whose
    write end they hold themselves, so a worker that was killed (not shut down) would
    leave them waiting for ever, each holding the lists (~300 MiB)."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(0)


def _load(versions: Versions | None = None) -> None:
    """Load the lists: the versions in force today, or exactly `versions` (the worker's)."""
    from banscreen.screen import build_index

    store = _process["store"]
    if versions is None:
        selection = store.select(dt.date.today())
    else:
        selection = store.select(dt.date.today(), dict(versions), datasets=[dataset for dataset, _ in versions])
    _process["versions"] = tuple((v.dataset, v.version) for v in selection.versions)
    _process["screener"] = Screener(build_index(store, selection.versions), selection.versions, ScreenOptions())
    settle_heap()  # (as the service does: a full collection must not walk the index)


def _screen_chunk(versions: Versions, items: list[bytes | PartyTuple]) -> list[bytes]:
    """Answers for a chunk, over the worker's list `versions`: a party tuple screened,
    bytes (a row's error record) as they are."""
    if versions != _process.get("versions"):
        try:
            _load(versions)
        except Exception as exc:  # noqa: BLE001 (a version gone from the store, ...: the worker screens it)
            raise VersionsDiffer(f"cannot load {versions}: {type(exc).__name__}: {exc}") from None
        if versions != _process["versions"]:
            raise VersionsDiffer(f"process has {_process['versions']}, worker {versions}")
    screener = _process["screener"]
    return [item if isinstance(item, bytes) else party_answer(screener, item) for item in items]


def _ready() -> Versions:
    return _process.get("versions", ())


# --- in the service worker ----------------------------------------------------------------------------
class BatchPool:
    """`processes` screening processes over the list store at `root`."""

    def __init__(self, root: Path, processes: int):
        self.processes = processes
        self._executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start, initargs=(str(root), os.getpid()))
        for _ in range(processes):  # start them now (each loads the lists), not on the first batch
            self._executor.submit(_ready)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def answers(self, versions: Versions, items: Iterable[bytes | PartyTuple],
                      in_worker: Callable[[list], list[bytes]]) -> AsyncIterator[list[bytes]]:
        """The answers to `items` over the list `versions`, chunk by chunk, in order.
        `in_worker` screens a chunk in this process, for a chunk the screening processes
        could not."""
        loop = asyncio.get_running_loop()
        pending: deque[tuple[list, asyncio.Future]] = deque()
        chunk: list = []

        def submit(part: list) -> None:
            try:
                future = loop.run_in_executor(self._executor, _screen_chunk, versions, part)
            except RuntimeError as exc:  # the pool is broken or shut down
                future = loop.create_future()
                future.set_exception(exc)
            pending.append((part, future))

        async def first_done() -> list[bytes]:
            part, future = pending.popleft()
            try:
                return await future
            except Exception as exc:  # noqa: BLE001 (any failure: the worker screens the chunk itself)
                log.warning("batch chunk screened in the worker: %s: %s", type(exc).__name__, exc)
                return in_worker(part)

        for item in items:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                submit(chunk)
                chunk = []
                if len(pending) >= self.processes * DEPTH:
                    yield await first_done()
        if chunk:
            submit(chunk)
        while pending:
            yield await first_done()
