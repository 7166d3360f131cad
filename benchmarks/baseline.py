"""Another revision's matcher timed on the same queries, the same way, in the same run.

    python -m benchmarks.names --baseline c130932

`benchmarks.names` measures throughput from cold per-word memos (`cold_caches`); figures
measured before that fix, or on another day's machine load, are not comparable with
today's. So "speed must not regress" is judged here by running the older code on this
machine, now: `git archive REV` is unpacked into a temporary directory, and a child
Python with that tree first on its path builds that revision's index from its own
bundled lists and screens the very queries the current code screened, from cold memos,
in 1 or in N forked processes: a child for each count, as a run that follows another in
one process inherits the memos it filled (the fault that once inflated this
benchmark's 2-process figures). The current tree is measured the same way.

The child is this file run as a script, so it imports nothing of the current tree: only
`banscreen.screen.build_index` and `benchmarks.common.bundled_store` of the revision
(both exist since the names benchmark does).
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CHUNK = 2000  # names a forked process takes at a time (as benchmarks.names.throughput)


def measure(rev: str, repo: Path, names: list[str], processes: list[int]) -> dict:
    """Throughput of revision `rev` of the git repository `repo` on `names`, for each
    process count: {"rev", "commit", "names", "names_per_second": {processes: rate}} or,
    when the revision cannot be unpacked or run, {"rev", "error"}."""
    try:
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        return {"rev": rev, "error": f"not a revision of {repo}: {exc}"}
    with tempfile.TemporaryDirectory(prefix="banscreen-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(repo), "archive", commit], capture_output=True, check=False)
        if archive.returncode != 0:
            return {"rev": rev, "error": archive.stderr.decode(errors="replace").strip()}
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tree, filter="data")
        return {"rev": rev, "commit": commit, **measure_tree(tree, names, processes)}


def measure_tree(tree: Path, names: list[str], processes: list[int]) -> dict:
    """Throughput of the source tree `tree` (a checkout: src/banscreen, benchmarks/) on
    `names` in a child process, for each process count: {"names", "names_per_second"},
    or {"error"}. The current tree is measured this way too, so that both sides of a
    ratio start alike: a fresh process, a fresh index, cold memos."""
    rates = {}
    with tempfile.TemporaryDirectory(prefix="banscreen-queries-") as tmp:
        queries = Path(tmp) / "queries.pickle"
        queries.write_bytes(pickle.dumps(names))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(tree)])}
        for count in processes:  # (a child each: one run's memos must not warm the next)
            run = subprocess.run([sys.executable, __file__, str(queries), str(count)],
                                 cwd=tree, env=env, capture_output=True, text=True, check=False)
            if run.returncode != 0:
                return {"error": (run.stderr.strip().splitlines() or ["failed"])[-1]}
            rates[count] = json.loads(run.stdout.strip().splitlines()[-1])
    return {"names": len(names), "names_per_second": rates}


# --- the child: runs with the revision's tree first on sys.path --------------------------------

_INDEX = None


def _screen(chunk: list[str]) -> int:
    from banscreen.screen import DEFAULT_MIN_SCORE

    return sum(1 for name in chunk if _INDEX.search(name, min_score=DEFAULT_MIN_SCORE, limit=10))


def _cold(index) -> None:
    """Empty every per-word memo of the index and of the matching modules (whatever the
    revision calls them), as benchmarks.names.cold_caches does."""
    for value in vars(index).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    for module in list(sys.modules.values()):
        if module is None or not getattr(module, "__name__", "").startswith("banscreen.match."):
            continue
        for value in list(vars(module).values()):
            info = getattr(value, "cache_info", None)
            if info is not None and (info().maxsize or 0) > 1:
                value.cache_clear()


def _child(queries: Path, processes: int) -> None:
    """Print the names a second `processes` forked processes screen `queries` at."""
    import datetime as dt
    import gc
    import multiprocessing
    import time

    import banscreen
    from banscreen.screen import build_index
    from benchmarks.common import bundled_store

    if not Path(banscreen.__file__).resolve().is_relative_to(Path.cwd().resolve()):
        sys.exit(f"the revision's banscreen is not the one imported: {banscreen.__file__}")
    global _INDEX
    store = bundled_store()
    _INDEX = build_index(store, store.select(dt.date.today()).versions, cache=False)
    names = pickle.loads(queries.read_bytes())
    _cold(_INDEX)  # (building the index may have filled memos)
    gc.collect()
    gc.freeze()  # as the current benchmark's settle_heap
    start = time.perf_counter()
    if processes == 1:
        _screen(names)
    else:
        chunks = [names[i:i + CHUNK] for i in range(0, len(names), CHUNK)]
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            sum(pool.imap_unordered(_screen, chunks))
    print(json.dumps(round(len(names) / (time.perf_counter() - start))))


if __name__ == "__main__":
    sys.path.pop(0)  # (this file's folder: the revision's modules, not the current tree's, are wanted)
    _child(Path(sys.argv[1]), int(sys.argv[2]))
