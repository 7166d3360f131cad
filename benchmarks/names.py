"""Name-screening benchmark: accuracy, speed, and the same run for two baselines.

    python -m benchmarks.names            # full: includes 1M queries (several minutes)
    python -m benchmarks.names --quick    # 100k queries at most (about a minute)

Prints a table and writes benchmarks/out/names.json and benchmarks/out/names-pr.png.

- Accuracy on ../shared/data/bench/names-dev.jsonl at the default threshold, and a
  precision/recall curve over thresholds.
- Single-query latency p50/p99 over 10k generated queries (warm index).
- Throughput on 100k and 1M generated queries (benchmarks/make_names.py), one process
  and all cores.
- Index build time and resident memory.
- Baselines in the same process: (a) brute force, rapidfuzz `process.cdist` (all cores)
  of every query against every list name with banscreen's normalization, timed on the
  same generated queries; (b) nomenklatura's
  logic-v2 matcher (OpenSanctions/yente) scoring the same candidates banscreen retrieves.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path

from banscreen.lists.csl_csv import list_code
from banscreen.match import names as nm
from banscreen.reference.countries import to_iso2
from banscreen.match.index import NameIndex
from banscreen.screen import DEFAULT_MIN_SCORE, build_index, settle_heap
from benchmarks import baseline
from benchmarks.common import OUT, REPO, Query, Timer, bundled_store, load_dev_set, rss_mib
from benchmarks.make_names import generate

THRESHOLDS = [round(0.5 + 0.02 * i, 2) for i in range(26)]


# --- accuracy --------------------------------------------------------------------------

class Judge:
    """Whether a returned entry is the one a labelled query expects."""

    def __init__(self):
        self._names: dict[int, frozenset] = {}

    def entry_names(self, entry) -> frozenset:
        key = id(entry)
        if key not in self._names:
            self._names[key] = frozenset(nm.normalize(n).canonical for n in entry.names)
        return self._names[key]

    def correct(self, q: Query, entry) -> bool:
        if q.source is None or entry.list != list_code(q.source):
            return False
        names = self.entry_names(entry)
        return any(nm.normalize(n).canonical in names for n in q.names)


def confusion(results: list[tuple[Query, list]], judge: Judge, threshold: float) -> dict:
    tp = fn = fp = 0
    misses: Counter = Counter()
    alarms: Counter = Counter()
    for q, scored in results:
        kept = [entry for entry, score in scored if score >= threshold]
        right = any(judge.correct(q, e) for e in kept)
        if q.source is not None:
            if right:
                tp += 1
            else:
                fn += 1
                misses[q.perturbation] += 1
        if kept and not right:
            fp += 1
            alarms[q.perturbation] += 1
    recall = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return {"threshold": threshold, "recall": round(recall, 4), "precision": round(precision, 4), "f1": round(f1, 4),
            "false_negatives": dict(misses), "false_alarms": dict(alarms)}


def run_banscreen(index: NameIndex, queries: list[Query], min_score: float) -> list[tuple[Query, list]]:
    out = []
    for q in queries:
        iso = to_iso2(q.country) if q.country else None
        hits = index.search(q.query, countries=[iso] if iso else [], min_score=min_score, limit=10)
        out.append((q, [(h.entry, h.score) for h in hits]))
    return out


# --- speed -------------------------------------------------------------------------------

_INDEX: NameIndex | None = None  # set before forking workers: shared copy-on-write


def _screen_chunk(names: list[str]) -> int:
    hits = 0
    for name in names:
        if _INDEX.search(name, min_score=DEFAULT_MIN_SCORE, limit=10):
            hits += 1
    return hits


def cold_caches(index: NameIndex) -> None:
    """Empty the index's and the matching modules' per-word memos (not the tables loaded
    once), so that a throughput run does not start from the words a run before it left:
    the processes of a run are forked, and inherit them."""
    import banscreen.match as match_pkg

    for memo in (index._neighbors, index._token_info, index._sound_neighbors, index._postings_array):
        memo.cache_clear()  # (the index's derived tables, built once, stay)
    for module in list(sys.modules.values()):
        if module is None or not getattr(module, "__name__", "").startswith(match_pkg.__name__ + "."):
            continue
        for value in list(vars(module).values()):
            info = getattr(value, "cache_info", None)
            if info is not None and (info().maxsize or 0) > 1:
                value.cache_clear()


def throughput(index: NameIndex, names: list[str], processes: int) -> float:
    """Names a second over `names`, from cold per-word memos (cold_caches)."""
    global _INDEX
    _INDEX = index
    cold_caches(index)
    with Timer() as t:
        if processes == 1:
            _screen_chunk(names)
        else:
            chunk = 2000
            chunks = [names[i:i + chunk] for i in range(0, len(names), chunk)]
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                sum(pool.imap_unordered(_screen_chunk, chunks))
    return len(names) / t.seconds


def latency(index: NameIndex, names: list[str]) -> dict:
    times = []
    for name in names:
        start = time.perf_counter()
        index.search(name, min_score=DEFAULT_MIN_SCORE, limit=10)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"queries": len(times), "p50_ms": round(times[len(times) // 2], 3),
            "p99_ms": round(times[int(len(times) * 0.99)], 3), "max_ms": round(times[-1], 3)}


# --- baselines --------------------------------------------------------------------------------

class BruteForce:
    """Every query against every list name with rapidfuzz, same normalization."""

    def __init__(self, index: NameIndex):
        self.entries = [index.entries[item.entry] for item in index.names]
        self.choices = [" ".join(item.norm.canonical) for item in index.names]

    def run(self, queries: list[str], cutoff: int = 50):
        import numpy as np
        from rapidfuzz import fuzz, process

        prepared = [" ".join(nm.normalize(q).canonical) for q in queries]
        out = []
        for start in range(0, len(prepared), 500):
            block = process.cdist(prepared[start:start + 500], self.choices, scorer=fuzz.token_sort_ratio,
                                  dtype=np.uint8, workers=-1, score_cutoff=cutoff)
            for row in block:
                idx = np.nonzero(row)[0]
                best = sorted(((int(row[i]), i) for i in idx), reverse=True)[:10]
                out.append([(self.entries[i], s / 100) for s, i in best])
        return out


def run_nomenklatura(index: NameIndex, queries: list[Query], top: int = 20):
    """nomenklatura logic-v2 scoring banscreen's top candidates (no threshold pruning)."""
    from followthemoney import model
    from nomenklatura.matching import ScoringConfig, get_algorithm

    algo = get_algorithm("logic-v2")
    config = ScoringConfig.defaults()
    schema = {"person": "Person", "organization": "Organization"}
    cache: dict[int, object] = {}

    def entity(name: str, kind: str, country: str | None, key: str):
        e = model.make_entity(schema.get(kind, "LegalEntity"))
        e.id = key
        e.add("name", name)
        if country:
            e.add("country", country.lower())
        return e

    out = []
    with Timer() as t:
        for n, q in enumerate(queries):
            iso = to_iso2(q.country) if q.country else None
            query = entity(q.query, q.kind, iso, f"q{n}")
            best: dict[int, float] = {}
            for variant in nm.variants(q.query):
                ranked = sorted(index.candidates(variant).items(), key=lambda kv: kv[1], reverse=True)[:top]
                for n_idx, _ in ranked:
                    item = index.names[n_idx]
                    if item.entry not in cache:
                        e = index.entries[item.entry]
                        ent = entity(e.name, e.kind, e.countries[0] if e.countries else None, f"e{item.entry}")
                        for alias in e.aliases:
                            ent.add("alias", alias)
                        cache[item.entry] = ent
                    score = algo.compare(query, cache[item.entry], config).score
                    best[item.entry] = max(best.get(item.entry, 0.0), score)
            out.append((q, [(index.entries[i], s) for i, s in sorted(best.items(), key=lambda kv: -kv[1])[:10]]))
    return out, t.seconds


# --- report ------------------------------------------------------------------------------------

def plot(curves: dict[str, list[dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 5))
    for label, points in curves.items():
        ax.plot([p["recall"] for p in points], [p["precision"] for p in points], marker=".", label=label)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Name screening on names-dev.jsonl (thresholds 0.50 to 1.00)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen name-matching benchmark")
    ap.add_argument("--quick", action="store_true", help="at most 100k queries; smaller baseline samples")
    ap.add_argument("--no-peer", action="store_true", help="skip nomenklatura")
    ap.add_argument("--peer-sample", type=int, default=None, help="dev-set queries given to nomenklatura")
    ap.add_argument("--baseline", metavar="REV", default=None,
                    help="also time git revision REV's matcher on the same queries (benchmarks/baseline.py)")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 1
    report: dict = {"date": dt.date.today().isoformat(), "cores": cores, "python": sys.version.split()[0]}

    store = bundled_store()
    versions = store.select(dt.date.today()).versions
    rss0 = rss_mib()
    with Timer() as t_build:
        index = build_index(store, versions, cache=False)
    report["index"] = {"build_seconds": round(t_build.seconds, 2), "names": len(index.names),
                       "entries": len(index.entries), "rss_mib_after_build": round(rss_mib(), 1),
                       "rss_mib_growth": round(rss_mib() - rss0, 1),
                       "lists": [v.label for v in versions]}
    with Timer() as t_load:
        build_index(store, versions)  # write the on-disk cache
    index_file = next((store.root / "cache").glob("index-*.pickle"))
    from banscreen.screen import index_cache as screen_mod
    screen_mod._LOADED.clear()
    with Timer() as t_load:
        build_index(store, versions)
    report["index"]["cache_load_seconds"] = round(t_load.seconds, 2)
    report["index"]["cache_file_mib"] = round(index_file.stat().st_size / 2**20, 1)

    settle_heap()  # as the service and `banscreen screen` do: collections must not walk the index
    dev = load_dev_set()
    judge = Judge()
    with Timer() as t_acc:
        at_default = run_banscreen(index, dev, DEFAULT_MIN_SCORE)
    report["accuracy_default"] = confusion(at_default, judge, DEFAULT_MIN_SCORE)
    report["accuracy_default"]["queries_per_second"] = round(len(dev) / t_acc.seconds, 1)
    wide = run_banscreen(index, dev, THRESHOLDS[0])
    curves = {"banscreen": [confusion(wide, judge, th) for th in THRESHOLDS]}

    entries = [e for e in index.entries]
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    generated = [q.query for q in generate(entries, max(sizes), seed=11)]
    report["latency"] = latency(index, generated[:10_000])
    report["throughput"] = []
    for size in sizes:
        names = generated[:size]
        one = throughput(index, names, 1)
        many = throughput(index, names, cores) if cores > 1 else one
        row = {"queries": size, "names_per_second_1_process": round(one),
               f"names_per_second_{cores}_processes": round(many), f"seconds_{cores}_processes": round(size / many, 1)}
        if args.baseline:
            counts = sorted({1, cores})
            row["baseline"] = baseline.measure(args.baseline, REPO, names, counts)
            row["current_in_child"] = baseline.measure_tree(REPO, names, counts)
        report["throughput"].append(row)

    brute = BruteForce(index)
    brute_sample = dev if not args.quick else dev[:3000]
    brute_scored = list(zip(brute_sample, brute.run([q.query for q in brute_sample])))
    speed_sample = generated[:10_000]  # the same queries banscreen's throughput runs on
    with Timer() as t_brute:
        brute.run(speed_sample)
    brute_curve = [confusion(brute_scored, judge, th) for th in THRESHOLDS]
    curves["brute force (rapidfuzz cdist)"] = brute_curve
    brute_best = max(brute_curve, key=lambda c: c["f1"])
    ours_at_recall = report["accuracy_default"]["recall"]
    brute_equal = [c for c in brute_curve if c["recall"] >= ours_at_recall]
    report["brute_force"] = {
        "queries": len(brute_sample), "speed_queries": len(speed_sample),
        "names_per_second": round(len(speed_sample) / t_brute.seconds, 1),
        "best_f1": brute_best,
        "at_equal_or_better_recall": max(brute_equal, key=lambda c: c["precision"]) if brute_equal else None,
    }

    if not args.no_peer:
        try:
            sample = dev[: args.peer_sample or (1000 if args.quick else 3000)]
            peer_results, peer_seconds = run_nomenklatura(index, sample)
            peer_curve = [confusion(peer_results, judge, th) for th in THRESHOLDS]
            curves["nomenklatura logic-v2"] = peer_curve
            ours_sample = [confusion(run_banscreen(index, sample, DEFAULT_MIN_SCORE), judge, DEFAULT_MIN_SCORE)]
            report["nomenklatura"] = {
                "queries": len(sample), "names_per_second": round(len(sample) / peer_seconds, 1),
                "at_0.70": next(c for c in peer_curve if c["threshold"] == 0.7),
                "best_f1": max(peer_curve, key=lambda c: c["f1"]),
                "banscreen_same_sample": ours_sample[0],
            }
        except ImportError as exc:
            report["nomenklatura"] = {"skipped": f"not installed ({exc}); pip install -e '.[bench]'"}

    report["curve"] = curves["banscreen"]
    plot(curves, OUT / "names-pr.png")
    (OUT / "names.json").write_text(json.dumps(report, indent=2))
    print_table(report, cores)


def print_table(r: dict, cores: int) -> None:
    from rich.console import Console
    from rich.table import Table

    acc = r["accuracy_default"]
    t = Table(title=f"banscreen name matching, {r['date']}, {cores} cores")
    t.add_column("measure")
    t.add_column("banscreen", justify="right")
    t.add_column("baseline / target", justify="right")
    t.add_column("ratio", justify="right")
    bf = r["brute_force"]
    eq = bf["at_equal_or_better_recall"]
    t.add_row(f"recall @ {acc['threshold']}", f"{acc['recall']:.4f}", "target >= 0.99", "")
    t.add_row(f"precision @ {acc['threshold']}", f"{acc['precision']:.4f}", "target >= 0.95", "")
    t.add_row("F1", f"{acc['f1']:.4f}", f"brute force best F1 {bf['best_f1']['f1']:.4f} "
              f"@ {bf['best_f1']['threshold']}", "")
    if eq:
        t.add_row("brute force at equal or better recall", "", f"recall {eq['recall']:.4f}, precision "
                  f"{eq['precision']:.4f} @ {eq['threshold']}", "")
    else:
        t.add_row("brute force at equal or better recall", "", "never reaches it", "")
    nk = r.get("nomenklatura", {})
    if "best_f1" in nk:
        ours = nk["banscreen_same_sample"]
        t.add_row(f"nomenklatura logic-v2 ({nk['queries']} queries)",
                  f"R {ours['recall']:.3f} P {ours['precision']:.3f}",
                  f"@0.70: R {nk['at_0.70']['recall']:.3f} P {nk['at_0.70']['precision']:.3f}; best F1 "
                  f"{nk['best_f1']['f1']:.3f} @ {nk['best_f1']['threshold']}",
                  f"F1 {ours['f1'] / nk['best_f1']['f1']:.2f}x")
        t.add_row("nomenklatura speed (names/s)", f"{acc['queries_per_second']:,.0f}",
                  f"{nk['names_per_second']:,.0f}", f"{acc['queries_per_second'] / nk['names_per_second']:.1f}x")
    elif nk:
        t.add_row("nomenklatura", "", nk.get("skipped", ""), "")
    for row in r["throughput"]:
        many = row[f"names_per_second_{cores}_processes"]
        t.add_row(f"throughput {row['queries']:,} queries, 1 process", f"{row['names_per_second_1_process']:,}",
                  f"brute force {bf['names_per_second']:,.0f}",
                  f"{row['names_per_second_1_process'] / bf['names_per_second']:.1f}x")
        t.add_row(f"throughput {row['queries']:,} queries, {cores} processes", f"{many:,}",
                  f"target >= 17,000; brute force {bf['names_per_second']:,.0f}",
                  f"{many / 17000:.2f}x target, {many / bf['names_per_second']:.1f}x brute")
        base, current = row.get("baseline"), row.get("current_in_child")
        for label, side in (("revision " + (base or {}).get("rev", ""), base), ("this tree", current)):
            if side and "error" in side:  # (each side names its own failure)
                t.add_row(f"  same queries: {label}", "", f"not measured: {side['error']}", "")
        if base and current and "error" not in base and "error" not in current:
            for count, rate in sorted(base["names_per_second"].items()):
                ours = current["names_per_second"][count]
                t.add_row(f"  same queries, {count} process{'es' if count > 1 else ''}, fresh processes: "
                          f"this tree vs {base['rev']}", f"{ours:,}", f"{rate:,} ({base['commit'][:7]})",
                          f"{ours / rate:.2f}x")
    lat = r["latency"]
    t.add_row("latency p50 / p99 (ms)", f"{lat['p50_ms']} / {lat['p99_ms']}", "target p99 <= 2", "")
    ix = r["index"]
    t.add_row("index build (s) / cache load (s)", f"{ix['build_seconds']} / {ix['cache_load_seconds']}",
              f"{ix['names']:,} names, {ix['entries']:,} entries", "")
    t.add_row("index memory (MiB RSS growth) / cache file", f"{ix['rss_mib_growth']} / {ix['cache_file_mib']} MiB",
              "", "")
    Console(width=170).print(t)
    print(f"wrote {OUT / 'names.json'} and {OUT / 'names-pr.png'}")


if __name__ == "__main__":
    main()
