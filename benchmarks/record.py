"""Case-store write benchmark: how fast screened results are recorded.

    python -m benchmarks.record                  # 20,000 parties, SQLite
    python -m benchmarks.record --parties 5000

Screens N generated parties (perturbed real list names and made-up ones, as in
benchmarks.names) against OFAC SDN 2024-05 and the CSL 2022-05 once, keeps the results
in memory, then times only the recording into a fresh SQLite case store: a first run
(every alert new), a second run of the same results (every alert seen again: updates),
and, as the baseline in the same process, the screening itself, which a recorded run
must not be much slower than. Prints a table and writes benchmarks/out/record.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
from pathlib import Path

from benchmarks.common import OUT, Timer, real_list_store
from benchmarks.make_names import generate


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen case-store write benchmark")
    ap.add_argument("--parties", type=int, default=20_000)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)

    from banscreen.model import Subject
    from banscreen.screen import ScreenOptions, open_screener
    from banscreen.store import CaseStore
    from banscreen.screen.record import record_results

    work = Path(tempfile.mkdtemp(prefix="banscreen-record-"))
    store = real_list_store(work / "home")
    day = dt.date(2024, 5, 10)
    screener, selection = open_screener(store, ScreenOptions(as_of=day))
    versions = {v.dataset: v.version for v in selection.versions}
    subjects = [Subject(i, i + 1, q.query, country=q.country, id=str(i), source="parties.csv")
                for i, q in enumerate(generate(screener.index.entries, args.parties, seed=31), 1)]
    with Timer() as t_screen:
        results = list(screener.screen_all(subjects))
    alerts = sum(len(r.matches) + len(r.destinations) for r in results)

    cases = CaseStore(f"sqlite:///{work / 'cases.db'}")

    def record() -> float:
        run_id = cases.start_run(screen="parties", input_path="parties.csv", input_sha256="-", as_of=day,
                                 list_versions=versions, options={})
        with Timer() as t:
            record_results(cases, run_id, results, versions)
        return t.seconds

    first, second = record(), record()
    verified = cases.verify()
    n = len(results)
    report = {"date": dt.date.today().isoformat(), "parties": n, "alerts": alerts,
              "screen_seconds": round(t_screen.seconds, 2), "first_run_seconds": round(first, 2),
              "second_run_seconds": round(second, 2), "first_rows_per_second": round(n / first),
              "second_rows_per_second": round(n / second), "audit_chain_ok": verified.ok,
              "audit_events": verified.events}
    (OUT / "record.json").write_text(json.dumps(report, indent=2))

    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"Recording {n:,} screened parties ({alerts:,} alerts) in SQLite, {report['date']}")
    for col in ("step", "seconds", "rows/s", "vs screening"):
        t.add_column(col, justify="left" if col == "step" else "right")
    t.add_row("screening (baseline)", f"{t_screen.seconds:.2f}", f"{n / t_screen.seconds:,.0f}", "1.00x")
    t.add_row("record, first run (all alerts new)", f"{first:.2f}", f"{n / first:,.0f}",
              f"{first / t_screen.seconds:.2f}x")
    t.add_row("record, second run (all seen again)", f"{second:.2f}", f"{n / second:,.0f}",
              f"{second / t_screen.seconds:.2f}x")
    Console(width=120).print(t)
    print(f"audit chain: {'intact' if verified.ok else 'BROKEN'}, {verified.events:,} events")
    print(f"wrote {OUT / 'record.json'}")


if __name__ == "__main__":
    main()
