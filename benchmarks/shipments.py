"""Shipment-screening throughput, next to party screening of the same names.

    python -m benchmarks.shipments                    # 5,000 shipments of five parties each
    python -m benchmarks.shipments --shipments 20000

Makes N shipments of five parties each (purchaser, intermediate consignee, ultimate
consignee, end user, freight forwarder) from benchmarks.make_names (perturbed names of
real listings from the bundled snapshot, and negatives), with destinations, ECCNs and
ship dates from 2019 to 2025, and times in one process:

- `screen shipments`: each shipment decided as of its ship date (ShipmentScreener), the
  indexes of the distinct list selections built before the clock starts;
- `screen parties`: the same 5N names through one Screener, as of one date (the
  baseline: what the shipment screen adds is the per-date screener, the reading of
  each listing's terms and the destination check).

Each is run once untimed first, so that both are timed on warm per-word caches.

Writes benchmarks/out/shipments.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random

from benchmarks.common import OUT, Timer, bundled_store
from benchmarks.make_names import generate
from banscreen.model import SHIPMENT_ROLES, Outcome, Shipment, ShipmentParty, Subject
from banscreen.screen import ScreenOptions, open_screener
from banscreen.screen.shipments import ShipmentScreener

DESTINATIONS = ["DE", "LV", "CN", "CN", "RU", "AE", "SG", "US", "IN", "Iran", "TR", "BR"]
ECCNS = ["EAR99", "EAR99", "5A992.c", "5A002", "5A991", "3A991", "", "4A994"]


def make_shipments(store, n: int, seed: int = 11) -> list[Shipment]:
    rnd = random.Random(seed)
    screener, _ = open_screener(store, ScreenOptions(as_of=dt.date(2024, 6, 1)))
    names = list(generate(screener.index.entries, n * 5, seed=seed, positive_share=0.1))
    start = dt.date(2019, 1, 1).toordinal()
    out = []
    for i in range(n):
        parties = tuple(ShipmentParty(role, q.query, q.country) for role, q in zip(SHIPMENT_ROLES, names[5 * i:5 * i + 5]))
        out.append(Shipment(row=i + 1, line=i + 2, id=f"B-{i:06d}", parties=parties,
                            destination=rnd.choice(DESTINATIONS), eccn=rnd.choice(ECCNS),
                            ship_date=dt.date.fromordinal(start + rnd.randrange(7 * 365))))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen shipment benchmark")
    ap.add_argument("--shipments", type=int, default=5000)
    args = ap.parse_args(argv)
    store = bundled_store()
    shipments = make_shipments(store, args.shipments)
    options = ScreenOptions(as_of=dt.date(2024, 6, 1))
    deciding = ShipmentScreener(store, options)
    with Timer() as warm:  # one index per distinct selection of list versions, built (or loaded) once
        for day in sorted({s.ship_date for s in shipments}):
            deciding.screener(day)
    parties, _ = open_screener(store, options)
    subjects = [Subject(row=s.row, line=s.line, name=p.name, country=p.country) for s in shipments for p in s.parties]
    # one untimed pass of each first: both then run on indexes whose per-word caches
    # are warm for these names (whichever ran second would otherwise have the edge)
    for s in shipments:
        deciding.screen(s)
    for subject in subjects:
        parties.screen(subject)
    with Timer() as t_ship:
        results = [deciding.screen(s) for s in shipments]
    with Timer() as t_party:
        for subject in subjects:
            parties.screen(subject)
    outcomes = {o.value: sum(r.outcome is o for r in results) for o in Outcome}
    figures = {
        "shipments": len(shipments), "parties": len(subjects),
        "shipments_per_s": round(len(shipments) / t_ship.seconds, 1),
        "shipment_parties_per_s": round(len(subjects) / t_ship.seconds, 1),
        "screen_parties_per_s": round(len(subjects) / t_party.seconds, 1),
        "ratio_parties_per_s_shipments_to_parties": round(t_party.seconds / t_ship.seconds, 3),
        "seconds": {"shipments": round(t_ship.seconds, 2), "parties": round(t_party.seconds, 2),
                    "indexes_before_the_clock": round(warm.seconds, 2)},
        "selections": len({tuple(sorted(v.label for v in deciding.selection(d).versions))
                           for d in {s.ship_date for s in shipments}}),
        "outcomes": outcomes,
    }
    print(f"{len(shipments):,} shipments of 5 parties: {figures['shipments_per_s']:,} shipments/s "
          f"({figures['shipment_parties_per_s']:,} parties/s); screen parties on the same {len(subjects):,} names: "
          f"{figures['screen_parties_per_s']:,} parties/s; ratio {figures['ratio_parties_per_s_shipments_to_parties']}")
    print(f"outcomes: {outcomes}; {figures['selections']} list selections (indexes ready in "
          f"{warm.seconds:.1f} s, before the clock)")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "shipments.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {OUT / 'shipments.json'}")


if __name__ == "__main__":
    main()
