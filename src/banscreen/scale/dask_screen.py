"""Party screening on a Dask cluster, with the same answers as one process.

The client reads the input with the same readers as a local run (so row and line
numbers, and the report of each unreadable row, are exactly those of a local run) and
sends it to the workers in chunks. The screener, with its name index built from the
versioned store, goes to every worker once (scattered with broadcast), not once per
chunk. Results come back in input order, with a bounded number of chunks in flight.
A chunk whose worker dies is run again by Dask on another worker; since results are
collected by chunk, no row is lost or written twice."""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from collections import deque
from typing import Any, Iterable, Iterator

from banscreen.model import LoadIssue, Match, PartyResult, Subject
from banscreen.sources.interface import SourceError
from banscreen.sources.parties import ColumnMap, PartyColumns

CHUNK_ROWS = 5_000
IN_FLIGHT_PER_WORKER = 3


class DaskError(Exception):
    """A cluster that cannot be reached or started."""


def parse_spec(spec: str) -> tuple[str, Any]:
    """'local:N' -> ("local", N); anything else is a scheduler address."""
    m = re.fullmatch(r"local(?::(\d+))?", spec.strip())
    if m:
        n = int(m.group(1) or os.cpu_count() or 1)
        if n < 1:
            raise DaskError("local:N needs N >= 1 workers")
        return "local", n
    if not spec.strip():
        raise DaskError("--dask needs a scheduler address (tcp://host:8786) or local:N")
    return "address", spec.strip()


def connect(spec: str, memory_limit: str = "auto", timeout: str = "20s"):
    """A distributed Client: a new local cluster of N single-threaded worker processes
    (the matcher is pure Python: processes, not threads, use the cores), or the
    scheduler at an address."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskError("Dask is not installed: pip install 'banscreen[dask]'") from None
    kind, value = parse_spec(spec)
    # Dask's statistical profiler samples every worker thread every 10 ms: overhead and,
    # with this Python, log noise, for nothing a screening run reads.
    os.environ.setdefault("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "False")
    try:
        if kind == "local":
            cluster = LocalCluster(n_workers=value, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   memory_limit=memory_limit, silence_logs=40)
            return Client(cluster)
        return Client(value, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise DaskError(f"cannot reach the Dask scheduler at {value}: {exc}") from None


def _screen_chunk(screener, rows: list[tuple[str, str, str]]) -> list[tuple[int, tuple, tuple]]:
    """On a worker: screen (name, country, address) rows; return only the rows with
    findings, compactly: list entries travel as their position in the index (the
    client holds the same index), not as objects."""
    position = screener.entry_positions()
    out = []
    for i, (name, country, address) in enumerate(rows):
        result = screener.screen(Subject(row=i + 1, line=0, name=name, country=country, address=address))
        if result.hit:
            matches = tuple((position[id(m.entry)], m.list_version, m.matched_name, m.score, m.explanation)
                            for m in result.matches)
            out.append((i, matches, result.destinations))
    return out


def share(client, screener):
    """The screener on every worker, once: a future to pass to `screen_on_cluster`."""
    return client.scatter(screener, broadcast=True, hash=False)


def screen_on_cluster(client, screener, items: Iterable[Subject | LoadIssue], chunk_rows: int = CHUNK_ROWS,
                      on_chunk=None, shared=None) -> Iterator[PartyResult | LoadIssue]:
    """Results for `items`, in input order, screened by the cluster's workers.
    Unreadable rows (LoadIssue) pass through in place. `on_chunk(n)` is called with
    the number of rows of each chunk as it is yielded (for progress). `shared` is a
    future from `share` (scattered here when not given)."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    if shared is None:
        shared = share(client, screener)
    entries = screener.index.entries
    pending: deque = deque()  # (future or None, subjects, issues before them)
    limit = workers * IN_FLIGHT_PER_WORKER
    items = iter(items)

    def submit(chunk: list[Subject]):
        rows = [(s.name, s.country, s.address) for s in chunk]
        return client.submit(_screen_chunk, shared, rows, pure=False)

    def drain(block: bool) -> Iterator[PartyResult | LoadIssue]:
        while pending and (block or len(pending) >= limit or pending[0][0] is None or pending[0][0].done()):
            future, chunk, issues = pending.popleft()
            yield from issues
            if future is None:
                continue
            hits = {i: (matches, destinations) for i, matches, destinations in future.result()}
            for i, subject in enumerate(chunk):
                if i in hits:
                    matches, destinations = hits[i]
                    yield PartyResult(subject, tuple(Match(entries[pos], version, name, score, explanation)
                                                     for pos, version, name, score, explanation in matches),
                                      destinations)
                else:
                    yield PartyResult(subject)
            if on_chunk:
                on_chunk(len(chunk))

    while True:
        chunk: list[Subject] = []
        issues: list[LoadIssue] = []
        for item in itertools.islice(items, chunk_rows):
            if isinstance(item, LoadIssue):
                if chunk:  # keep the order: issues after a subject start a new chunk
                    pending.append((submit(chunk), chunk, []))
                    chunk = []
                issues.append(item)
            else:
                if issues and not chunk:
                    pending.append((None, [], issues))
                    issues = []
                chunk.append(item)
        if issues:
            pending.append((None, [], issues))
        if chunk:
            pending.append((submit(chunk), chunk, []))
        if not chunk and not issues:
            break
        yield from drain(block=False)
    yield from drain(block=True)


def _screen_row_group(screener, path: str, group: int, first_row: int, columns: PartyColumns):
    """On a worker: read one Parquet row group, make its subjects with the same function
    as a local run, screen them. Returns, per row, (subject, hits-or-None) or
    (LoadIssue, None), hits compact as in `_screen_chunk`."""
    import pyarrow.parquet as pq

    position = screener.entry_positions()
    table = pq.ParquetFile(path).read_row_group(group)
    out = []
    for j, raw in enumerate(table.to_pylist()):
        row = first_row + j
        fields = {str(k): "" if v is None else str(v) for k, v in raw.items()}
        subject = columns.subject(row, row, fields, path)
        if isinstance(subject, LoadIssue):
            out.append((subject, None))
            continue
        result = screener.screen(subject)
        hits = None
        if result.hit:
            hits = (tuple((position[id(m.entry)], m.list_version, m.matched_name, m.score, m.explanation)
                          for m in result.matches), result.destinations)
        out.append((subject, hits))
    return out


def screen_parquet_on_cluster(client, screener, path, columns: ColumnMap | None = None, shared=None,
                              on_chunk=None) -> Iterator[PartyResult | LoadIssue]:
    """A Parquet file read in partitions by the workers themselves: one task per row
    group, each reading its own rows (the workers must see `path`, as on a shared
    filesystem). The client reads only the file's footer, for the row offsets and the
    columns. Results come back in row order, as from `screen_on_cluster`."""
    import pyarrow.parquet as pq

    path = str(path)
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:
        raise SourceError(path, f"not a readable Parquet file: {exc}") from None
    header = [meta.schema.column(i).name for i in range(meta.num_columns)]
    resolved = PartyColumns.resolve(header, columns or ColumnMap(), path)
    if shared is None:
        shared = share(client, screener)
    entries = screener.index.entries
    futures, first = [], 1
    for group in range(meta.num_row_groups):
        futures.append(client.submit(_screen_row_group, shared, path, group, first, resolved, pure=False))
        first += meta.row_group(group).num_rows
    for future in futures:  # in order; Dask reruns a group whose worker died
        rows = future.result()
        for subject, hits in rows:
            if isinstance(subject, LoadIssue):
                yield subject
            elif hits is None:
                yield PartyResult(subject)
            else:
                matches, destinations = hits
                yield PartyResult(subject, tuple(Match(entries[pos], version, n, score, explanation)
                                                 for pos, version, n, score, explanation in matches), destinations)
        if on_chunk:
            on_chunk(len(rows))


@contextlib.contextmanager
def cluster(spec: str):
    """A connected Client for `spec` (see `connect`), closed with its local cluster, if it
    started one, when the block ends."""
    client = connect(spec)
    try:
        yield client
    finally:
        local = getattr(client, "cluster", None)
        client.close()
        if local is not None:
            local.close()


def screen_file_on_cluster(client, screener, path, columns: ColumnMap, subjects: Iterable[Subject | LoadIssue],
                           parquet: bool, chunk_rows: int = CHUNK_ROWS) -> Iterator[PartyResult | LoadIssue]:
    """A party file's results from the cluster: a Parquet file's row groups read by the
    workers themselves; any other file read here and sent in chunks."""
    if parquet:
        return screen_parquet_on_cluster(client, screener, path, columns)
    return screen_on_cluster(client, screener, subjects, chunk_rows)
