"""Delta re-screening against a full re-screen, after a list update.

    python -m benchmarks.rescreen                 # 20,000 stored parties
    python -m benchmarks.rescreen --parties 5000

Stores N parties (perturbed real list names and negatives) screened against OFAC SDN
2024-05, the CSL of 2022-05 and the BIS DPL of 2018-08, imports the DPL of 2023-11 (a
real update: about 150 orders added, changed or removed), then times `rescreen` (only
what changed) against a full re-screen of the same parties recorded the usual way, and
checks both leave the same open alerts. Writes benchmarks/out/rescreen.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import tempfile
from pathlib import Path

from benchmarks.common import LISTS, OUT, Timer, real_list_store
from benchmarks.make_names import generate


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen delta re-screen benchmark")
    ap.add_argument("--parties", type=int, default=20_000)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)

    from banscreen.report.context import file_sha256
    from banscreen.screen import ScreenOptions, open_screener
    from banscreen.sources import read_parties
    from banscreen.store import CaseStore
    from banscreen.screen.record import record_results
    from banscreen.screen.rescreen import rescreen

    lists = LISTS
    work = Path(tempfile.mkdtemp(prefix="banscreen-rescreen-"))
    store = real_list_store(work / "home", with_dpl_2018=True)
    old_day = dt.date(2024, 5, 10)
    screener, _ = open_screener(store, ScreenOptions(as_of=old_day))
    parties = work / "parties.csv"
    with parties.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        for i, q in enumerate(generate(screener.index.entries, args.parties, seed=31), 1):
            w.writerow([i, q.query, q.country])

    def record(cases: CaseStore, day: dt.date) -> int:
        scr, sel = open_screener(store, ScreenOptions(as_of=day))
        versions = {v.dataset: v.version for v in sel.versions}
        run_id = cases.start_run(screen="parties", input_path=str(parties), input_sha256=file_sha256(parties),
                                 as_of=day, list_versions=versions, options={})
        return record_results(cases, run_id, scr.screen_all(read_parties(parties)), versions).new

    delta_db, full_db = CaseStore(f"sqlite:///{work / 'delta.db'}"), CaseStore(f"sqlite:///{work / 'full.db'}")
    with Timer() as t_first:
        first_alerts = record(delta_db, old_day)
    record(full_db, old_day)

    store.import_file(lists / "bis-dpl-2023-11_moov-watchman" / "dpl.txt")
    new_day = dt.date(2024, 5, 20)
    open_screener(store, ScreenOptions(as_of=new_day))  # build the new full index once, outside both timings

    with Timer() as t_delta:
        counts = rescreen(delta_db, store, new_day, 0.75)
    with Timer() as t_full:
        full_new = record(full_db, new_day)

    def open_pairs(cases):
        return {(s.key, a.entry_key) for a, s in cases.alerts("open", limit=10**7)}

    delta_open, full_open = open_pairs(delta_db), open_pairs(full_db)
    common = len(delta_open & full_open)
    report = {"date": dt.date.today().isoformat(), "parties": args.parties, "first_run_seconds": round(t_first.seconds, 1),
              "first_run_alerts": first_alerts, "delta_seconds": round(t_delta.seconds, 2),
              "delta_new_alerts": counts.new + counts.reopened, "delta_closed": counts.closed,
              "full_seconds": round(t_full.seconds, 2), "full_new_alerts": full_new,
              "ratio_full_over_delta": round(t_full.seconds / t_delta.seconds, 1),
              "open_alerts": {"delta": len(delta_open), "full": len(full_open), "common": common,
                              "only_delta": len(delta_open - full_open), "only_full": len(full_open - delta_open)}}
    (OUT / "rescreen.json").write_text(json.dumps(report, indent=2))
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"Re-screening {args.parties:,} stored parties after the DPL update 2018-08 -> 2023-11")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row("first run (record all alerts)", f"{t_first.seconds:.1f} s, {first_alerts:,} alerts")
    t.add_row("delta rescreen", f"{t_delta.seconds:.2f} s: {counts.new + counts.reopened:,} new/reopened, "
                                f"{counts.closed:,} closed")
    t.add_row("full re-screen, recorded", f"{t_full.seconds:.2f} s: {full_new:,} new alerts")
    t.add_row("full / delta", f"{report['ratio_full_over_delta']}x")
    t.add_row("open alerts afterwards: delta / full / in both", f"{len(delta_open):,} / {len(full_open):,} / "
                                                                   f"{common:,}")
    Console(width=140).print(t)
    print(f"wrote {OUT / 'rescreen.json'}")


if __name__ == "__main__":
    main()
