"""Delta re-screening against a full recorded re-screen, after a list update.

    python -m benchmarks.rescreen                          # 100,000 parties, both changes
    python -m benchmarks.rescreen --parties 20000 --change daily
    python -m benchmarks.rescreen --million                # 1,000,000 parties, daily change
    python -m benchmarks.rescreen --postgres               # the same on a throwaway PostgreSQL

Stores N parties (perturbed real list names and negatives, from benchmarks.make_names,
plus a few variants of the names a change adds) screened against OFAC SDN 2024-05, the
CSL of 2022-05 and a BIS Denied Persons List, records the first run, makes the parties'
name keys (once, timed apart), then imports a new DPL and times `rescreen` (the delta)
against a full re-screen of the same parties recorded the usual way, each on its own copy
of the store. Two changes:

- daily: the real DPL of 2023-11 with 40 orders added (names of real OFAC designations
  of 2024-25, from the SDN alt.csv of 2025-12, ent_num above the 2024-05 list's highest),
  5 changed (an address line) and 5 removed;
- large: the real DPL of 2018-08 followed by the real DPL of 2023-11.

Reports the times, their ratio, the peak memory of each, and the open alerts afterwards,
with every pair only one of the two has, and why. Writes benchmarks/out/rescreen.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import cProfile
import os
import pstats
import threading
import shutil
import tempfile
from pathlib import Path

from benchmarks.common import LISTS, OUT, Timer, real_list_store
from benchmarks.make_names import generate

DPL_2018 = LISTS / "bis-dpl-2018-08_peoplecheck" / "dpl.txt"
DPL_2023 = LISTS / "bis-dpl-2023-11_moov-watchman" / "dpl.txt"
NEW_DESIGNATIONS = LISTS / "ofac-sdn-2025-12_moov-watchman-tfidf" / "alt.csv"
SDN_2024_MAX_ENT = 48907
THRESHOLD = 0.75
PROFILE = bool(os.environ.get("BANSCREEN_PROFILE"))  # print where the delta spends its time  # highest ent_num of the 2024-05 sdn.csv (SOURCES.md)


def daily_dpl(out: Path, seed: int = 5, added: int = 40, changed: int = 5, removed: int = 5) -> dict[str, list[str]]:
    """A next-day DPL: the 2023-11 file with `added` orders on names OFAC designated after
    the 2024-05 list, `changed` orders with a new address line and `removed` orders gone."""
    rnd = random.Random(seed)
    text = DPL_2023.read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    header, body = rows[0], rows[1:]
    names = sorted({r[0] for r in body})
    gone = set(rnd.sample(names, removed))
    moved = set(rnd.sample(sorted(set(names) - gone), changed))
    kept = []
    for r in body:
        if r[0] in gone:
            continue
        if r[0] in moved:
            r = [r[0], r[1] + " SUITE 200", *r[2:]]
        kept.append(r)
    fresh = []
    for row in csv.reader(NEW_DESIGNATIONS.read_text("latin-1").splitlines()):
        if len(row) >= 4 and row[0].strip().isdigit() and int(row[0]) > SDN_2024_MAX_ENT and len(row[3]) > 8:
            fresh.append(row[3].strip().strip('"'))
    new_names = rnd.sample(sorted(set(fresh)), added)
    for name in new_names:
        kept.append([name, "", "", "", "", "", "05/15/2024", "05/15/2034", "Y", "2024-05-15", "F.R. NOTICE ADDED",
                     "89 F.R. 99999 5/15/2024"])
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(header)
    w.writerows(kept)
    out.write_text(buf.getvalue(), "utf-8")
    return {"added": new_names, "changed": sorted(moved), "removed": sorted(gone)}


class MemoryPeak:
    """How far the process's resident memory rose above where it started, sampled every
    20 ms while the block runs (the kernel's own peak cannot be reset for one block)."""

    def __enter__(self):
        self.start = self.top = _rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.top = max(self.top, _rss_mib())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.top = max(self.top, _rss_mib())
        self.grew = self.top - self.start


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def scenario(change: str, n: int, work: Path, database: "Databases") -> dict:
    from banscreen.lists import DplLoader
    from banscreen.report.context import file_sha256
    from banscreen.screen import ScreenOptions, open_screener
    from banscreen.screen.record import record_results
    from banscreen.screen.rescreen import rescreen
    from banscreen.sources import read_parties
    from banscreen.store import CaseStore

    store = real_list_store(work / "home")
    old_day, new_day = dt.date(2024, 5, 10), dt.date(2024, 5, 20)
    if change == "daily":
        store.import_file(DPL_2023, published=dt.date(2023, 11, 28))
        update = work / "dpl-next.txt"
        made = daily_dpl(update)
        update_published = dt.date(2024, 5, 15)
        extra = [e for e in DplLoader().load(update).entries if e.name in set(made["added"])]
    else:
        store.import_file(DPL_2018)
        update, update_published, made, extra = DPL_2023, dt.date(2024, 5, 15), {}, []
    screener, _ = open_screener(store, ScreenOptions(as_of=old_day))
    parties = work / "parties.csv"
    with parties.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        i = 0
        for i, q in enumerate(generate(screener.index.entries, n - 3 * len(extra), seed=31), 1):
            w.writerow([i, q.query, q.country])
        for j, q in enumerate(generate(extra, 3 * len(extra), seed=32, positive_share=1.0) if extra else (), i + 1):
            w.writerow([j, q.query, q.country])

    def record(cases: CaseStore, day: dt.date) -> int:
        scr, sel = open_screener(store, ScreenOptions(as_of=day))
        versions = {v.dataset: v.version for v in sel.versions}
        run_id = cases.start_run(screen="parties", input_path=str(parties), input_sha256=file_sha256(parties),
                                 as_of=day, list_versions=versions, options={})
        return record_results(cases, run_id, scr.screen_all(read_parties(parties)), versions).new

    delta_url = database.create(f"delta_{change}")
    with Timer() as t_first:
        first_alerts = record(CaseStore(delta_url), old_day)
    with Timer() as t_keys:  # the parties' name keys: made once, kept with them
        rescreen(CaseStore(delta_url), store, old_day, THRESHOLD)
    full_url = database.copy(delta_url, f"full_{change}")

    store.import_file(update, published=update_published)
    open_screener(store, ScreenOptions(as_of=new_day))  # build the new full index once, outside both timings
    delta_db, full_db = CaseStore(delta_url), CaseStore(full_url)
    profile = cProfile.Profile() if PROFILE else None
    with MemoryPeak() as delta_memory, Timer() as t_delta:
        if profile:
            profile.enable()
        counts = rescreen(delta_db, store, new_day, THRESHOLD)
        if profile:
            profile.disable()
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    stats = delta_db.runs(1)[0]
    with MemoryPeak() as full_memory, Timer() as t_full:
        full_new = record(full_db, new_day)

    def open_pairs(cases):
        return {(s.key, a.entry_key): (s.name, a.score) for a, s in cases.alerts("open", limit=10**7)}

    delta_open, full_open = open_pairs(delta_db), open_pairs(full_db)
    differences = _explain(delta_open, full_open, store, old_day, new_day)
    completed = _completed_payload(delta_db)
    return {"change": change, "parties": n, "list_change": {k: len(v) for k, v in made.items()} or "DPL 2018-08 -> 2023-11",
            "first_run_seconds": round(t_first.seconds, 1), "first_run_alerts": first_alerts,
            "keys_seconds": round(t_keys.seconds, 1), "delta_seconds": round(t_delta.seconds, 2),
            "delta_new_alerts": counts.new + counts.reopened, "delta_closed": counts.closed,
            "delta_screened": completed.get("screened"), "delta_phases": completed.get("seconds"),
            "delta_reached": completed.get("reached"), "delta_ruled_out": completed.get("ruled_out"),
            "delta_affected_entries": completed.get("affected_entries"),
            "delta_memory_mib": round(delta_memory.grew), "full_seconds": round(t_full.seconds, 2),
            "full_new_alerts": full_new, "full_memory_mib": round(full_memory.grew),
            "ratio_full_over_delta": round(t_full.seconds / t_delta.seconds, 1),
            "open_alerts": {"delta": len(delta_open), "full": len(full_open),
                            "common": len(delta_open.keys() & full_open.keys()),
                            "agreement": round(len(delta_open.keys() & full_open.keys())
                                               / max(1, len(delta_open.keys() | full_open.keys())), 5)},
            "differences": differences, "run": stats.id}


def _completed_payload(cases) -> dict:
    import sqlalchemy as sa

    with cases.engine.connect() as c:
        row = c.execute(sa.text("SELECT payload FROM audit_events WHERE action = 'run.completed' "
                                "ORDER BY seq DESC LIMIT 1")).scalar_one()
    return row if isinstance(row, dict) else json.loads(row)


def _explain(delta_open: dict, full_open: dict, store, old_day: dt.date, new_day: dt.date) -> list[dict]:
    """Each pair open on one side only, with both scores against each index: a pair whose
    score moved across the threshold only because word weights moved is a weight tie."""
    from banscreen.model import Subject
    from banscreen.screen import ScreenOptions, open_screener

    # (a threshold well below the one screened at, but not zero: at zero far more names
    # compete for the candidate slots and a real match can fall out of them)
    old_screener, _ = open_screener(store, ScreenOptions(as_of=old_day, min_score=0.6, limit=50))
    new_screener, _ = open_screener(store, ScreenOptions(as_of=new_day, min_score=0.6, limit=50))

    out = []
    for (key, entry_key) in sorted(delta_open.keys() ^ full_open.keys()):
        name = (delta_open.get((key, entry_key)) or full_open.get((key, entry_key)))[0]

        def score(scr):
            result = scr.screen(Subject(row=0, line=0, name=name))
            return next((round(m.score, 4) for m in result.matches if m.entry.key == entry_key), None)

        before, after = score(old_screener), score(new_screener)
        crossed = ((before or 0.0) >= THRESHOLD) != ((after or 0.0) >= THRESHOLD)
        out.append({"party": name, "entry": entry_key, "only_in": "delta" if (key, entry_key) in delta_open else "full",
                    "score_before": before, "score_after": after,
                    # the pair's score crossed the threshold with the list's word weights alone: the delta keeps
                    # the earlier result of a pair no change reaches
                    "why": "word weights" if crossed else "unexplained"})
    return out


class Databases:
    """Case stores for the benchmark: SQLite files, or databases on a throwaway PostgreSQL."""

    def __init__(self, work: Path, postgres: bool):
        self.work, self.cluster = work, None
        if postgres:
            from tests.pg import Cluster

            self.cluster = Cluster()

    def create(self, name: str) -> str:
        if self.cluster is not None:
            return self.cluster.create_database(name)
        return f"sqlite:///{self.work / (name + '.db')}"

    def copy(self, url: str, name: str) -> str:
        if self.cluster is None:
            target = self.work / (name + ".db")
            shutil.copyfile(url.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        import sqlalchemy as sa

        source = url.rsplit("/", 1)[1]
        engine = sa.create_engine(self.cluster.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as c:  # a template must have no other connection
            c.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": source})
            c.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        engine.dispose()
        return self.cluster.url(name)

    def stop(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen delta re-screen benchmark")
    ap.add_argument("--parties", type=int, default=100_000)
    ap.add_argument("--million", action="store_true", help="1,000,000 parties, the daily change only")
    ap.add_argument("--change", choices=["daily", "large", "both"], default="both")
    ap.add_argument("--postgres", action="store_true", help="case stores on a throwaway PostgreSQL cluster")
    args = ap.parse_args(argv)
    if args.million:
        args.parties, args.change = 1_000_000, "daily"
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="banscreen-rescreen-"))
    databases = Databases(work, args.postgres)
    reports = []
    try:
        for change in (["daily", "large"] if args.change == "both" else [args.change]):
            reports.append(scenario(change, args.parties, work / change, databases))
    finally:
        databases.stop()
    backend = "postgresql" if args.postgres else "sqlite"
    report = {"date": dt.date.today().isoformat(), "backend": backend, "scenarios": reports}
    path = OUT / f"rescreen-{backend}-{args.parties}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"Re-screening {args.parties:,} stored parties ({backend})")
    for col in ("change", "first run", "keys (once)", "delta", "full, recorded", "full / delta", "memory added delta / full",
                "open alerts delta / full / both", "differences (weights / unexplained)"):
        t.add_column(col, justify="right")
    for r in reports:
        o = r["open_alerts"]
        t.add_row(r["change"], f"{r['first_run_seconds']:.0f} s", f"{r['keys_seconds']:.0f} s",
                  f"{r['delta_seconds']:.2f} s ({r['delta_screened'] or 0:,} screened)", f"{r['full_seconds']:.1f} s",
                  f"{r['ratio_full_over_delta']}x", f"{r['delta_memory_mib']} / {r['full_memory_mib']} MiB",
                  f"{o['delta']:,} / {o['full']:,} / {o['common']:,}",
                  f"{sum(d['why'] == 'word weights' for d in r['differences'])} / "
                  f"{sum(d['why'] != 'word weights' for d in r['differences'])}")
    Console(width=200).print(t)
    for r in reports:
        print(f"  {r['change']}: delta phases (s): {r.get('delta_phases')}; parties reached: {r.get('delta_reached')}")
        for d in r["differences"]:
            print(f"  {r['change']}: only in {d['only_in']}: {d['party']!r} ~ {d['entry']} "
                  f"score before {d['score_before']} after {d['score_after']} ({d['why']})")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
