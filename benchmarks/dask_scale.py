"""Dask scaling benchmark: generated party files screened on 1 and 2 local workers.

    python -m benchmarks.dask_scale                       # 1M and 5M rows (about 25 minutes here)
    python -m benchmarks.dask_scale --sizes 200000        # a quick look

Prints a table and writes benchmarks/out/dask.json: rows/s for each size and worker
count, the scaling ratio (2 workers over 1), the time to scatter the screener to the
workers, and each worker's resident memory after the run. The single-process rate on
the first 100k rows is measured in the same run as the baseline.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import time
from pathlib import Path

from benchmarks.common import OUT, Timer, bundled_store
from benchmarks.make_names import generate


def make_file(path: Path, rows: int, entries) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        for i, q in enumerate(generate(entries, rows, seed=23), 1):
            w.writerow([i, q.query, q.country])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen Dask scaling benchmark")
    ap.add_argument("--sizes", default="1000000,5000000")
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)

    import psutil

    from banscreen.scale.dask_screen import connect, screen_on_cluster, share
    from banscreen.screen import ScreenOptions, open_screener
    from banscreen.sources import read_parties

    store = bundled_store()
    screener, _ = open_screener(store, ScreenOptions())
    entries = list(screener.index.entries)
    work = Path(store.root) / "dask-bench"
    work.mkdir()
    files = {}
    for size in sizes:
        files[size] = work / f"parties-{size}.csv"
        with Timer() as t:
            make_file(files[size], size, entries)
        print(f"generated {size:,} rows in {t.seconds:.0f} s", flush=True)

    with Timer() as t_local:
        n = 0
        for _ in screener.screen_all(read_parties(files[sizes[0]])):
            n += 1
            if n == 100_000:
                break
    baseline = n / t_local.seconds

    results = []
    for workers in worker_counts:
        client = connect(f"local:{workers}", memory_limit="6GiB")
        try:
            client.run(lambda: None)
            for size in sizes:
                with Timer() as t_scatter:
                    shared = share(client, screener)
                    shared.result()
                with Timer() as t_run:
                    rows = sum(1 for _ in screen_on_cluster(client, screener, read_parties(files[size]),
                                                            shared=shared))
                memory = client.run(lambda: psutil.Process().memory_info().rss / 2**20)
                results.append({"rows": size, "workers": workers, "seconds": round(t_run.seconds, 1),
                                "rows_per_second": round(rows / t_run.seconds), "scatter_seconds":
                                round(t_scatter.seconds, 2), "worker_rss_mib": sorted(round(m) for m in
                                                                                      memory.values())})
                print(results[-1], flush=True)
        finally:
            cluster = client.cluster
            client.close()
            cluster.close()
        time.sleep(1)

    report = {"date": dt.date.today().isoformat(), "single_process_rows_per_second": round(baseline),
              "runs": results}
    for size in sizes:
        by = {r["workers"]: r["rows_per_second"] for r in results if r["rows"] == size}
        if 1 in by and 2 in by:
            report.setdefault("scaling_2_over_1", {})[str(size)] = round(by[2] / by[1], 2)
    (OUT / "dask.json").write_text(json.dumps(report, indent=2))

    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"banscreen on a local Dask cluster, {report['date']} (single process: "
                    f"{report['single_process_rows_per_second']:,} rows/s)")
    for col in ("rows", "workers", "seconds", "rows/s", "vs 1 worker", "scatter (s)", "worker RSS (MiB)"):
        t.add_column(col, justify="right")
    for r in results:
        one = next((x["rows_per_second"] for x in results if x["rows"] == r["rows"] and x["workers"] == 1), None)
        t.add_row(f"{r['rows']:,}", str(r["workers"]), str(r["seconds"]), f"{r['rows_per_second']:,}",
                  f"{r['rows_per_second'] / one:.2f}x" if one else "", str(r["scatter_seconds"]),
                  ", ".join(map(str, r["worker_rss_mib"])))
    Console(width=140).print(t)
    print(f"wrote {OUT / 'dask.json'}")


if __name__ == "__main__":
    main()
