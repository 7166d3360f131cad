"""Equipment-screening benchmark: an inventory CSV of N rows, read and screened.

    python -m benchmarks.equipment                 # 1,000,000 rows
    python -m benchmarks.equipment --rows 100000

Prints a table and writes benchmarks/out/equipment.json: end-to-end rows/s (read the CSV,
build assets, resolve vendors; output discarded), the per-row cost of each signal kind,
and, as a baseline in the same process, netaddr's own OUI lookup for the MAC signal.
The inventory mixes real OUI prefixes of covered and other vendors, vendor strings,
model numbers, hostnames and notes; about 6 % of rows are covered equipment.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

from benchmarks.common import OUT, Timer, bundled_store

VENDORS = [  # (vendor string, OUI prefixes, model examples, share)
    ("Cisco", ["E80AB9", "481BA4", "6C03B5"], ["ISR4331/K9", "C9300-48P", "WS-C2960X-48FPD-L"], 0.25),
    ("Juniper Networks", ["F01C2D", "3C8AB0"], ["EX4300-48P", "MX204", "SRX345"], 0.12),
    ("Ubiquiti", ["F09FC2", "802AA8", "788A20"], ["U6-Pro", "USW-24-POE", "UAP-AC-LR"], 0.12),
    ("Hewlett Packard Enterprise", ["9457A5", "1CC1DE"], ["Aruba 2930F", "AP-515", "ProCurve 2530"], 0.12),
    ("Dell", ["F8BC12", "14FEB5"], ["PowerEdge R740", "S4048-ON", "N1548P"], 0.1),
    ("Axis Communications", ["00408C", "ACCC8E"], ["P3245-V", "M3106-L Mk II", "Q6135-LE"], 0.08),
    ("Fortinet", ["00090F", "906CAC"], ["FortiGate 100F", "FortiSwitch 248E"], 0.08),
    ("Polycom", ["0004F2", "64167F"], ["VVX 450", "Trio 8800"], 0.07),
    ("Huawei", ["E00630", "D8DAF1", "54443B"], ["S5720-28X-SI-AC", "AR2220", "CE6851-48S6Q-HI"], 0.025),
    ("ZTE", ["F01B24", "90C710"], ["ZXHN F660", "ZXR10 5950-H", "ZXA10 C300"], 0.01),
    ("Hikvision", ["0C75D2", "548C81", "244845"], ["DS-2CD2143G0-I", "DS-7608NI-K2", "DS-2DE4425IW-DE"], 0.015),
    ("Honeywell", ["74C929", "6C1C71"], ["IPC-HDW2431T-AS", "IPC-HFW2831S"], 0.01),  # white-label Dahua
]


def make_inventory(path: Path, rows: int, seed: int = 5) -> None:
    rnd = random.Random(seed)
    weights = [v[3] for v in VENDORS]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["asset_tag", "hostname", "ip_address", "vendor", "model", "serial_number", "mac_address", "notes"])
        for i in range(rows):
            vendor, ouis, models, _ = rnd.choices(VENDORS, weights)[0]
            mac = rnd.choice(ouis) + f"{rnd.randrange(1 << 24):06X}"
            mac = ":".join(mac[j:j + 2] for j in range(0, 12, 2))
            w.writerow([f"A-{i:07d}", f"site{rnd.randrange(400):03d}-dev-{i}", f"10.{i >> 16 & 255}.{i >> 8 & 255}."
                        f"{i & 255}", vendor, rnd.choice(models), f"SN{rnd.randrange(10**10):010d}", mac,
                        rnd.choice(["", "", "", "spare", "replaced 2023", "PoE", "lobby"])])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen equipment benchmark")
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)

    from banscreen.screen import EquipmentOptions, open_equipment_screener
    from banscreen.sources.equipment import read_assets

    store = bundled_store()
    with Timer() as t_open:
        screener, _ = open_equipment_screener(store, EquipmentOptions(as_of=dt.date.today()))
    path = Path(tempfile.mkdtemp(prefix="banscreen-eq-")) / "inventory.csv"
    with Timer() as t_make:
        make_inventory(path, args.rows)

    with Timer() as t_read:  # reading alone, streamed as screening streams it
        for _ in read_assets(path):
            pass
    screener.resolver._signals.cache_clear()
    hits_e2e = 0
    with Timer() as t_e2e:
        for result in screener.screen_all(read_assets(path)):
            if result.findings:
                hits_e2e += 1

    # per-signal cost: each observation kind resolved on its own, on one process
    sample = list(itertools.islice(read_assets(path), 100_000))
    per_kind: dict[str, dict] = {}
    resolver = screener.resolver
    today = dt.date.today()
    for kind in sorted({o.kind for a in sample for o in a.observations}):
        values = [o for a in sample for o in a.observations if o.kind == kind]
        resolver._signals.cache_clear()
        start = time.perf_counter()
        for o in values:
            resolver.signals(o, today)
        seconds = time.perf_counter() - start
        per_kind[kind] = {"observations": len(values), "microseconds_each": round(seconds / len(values) * 1e6, 2)}

    # baseline: netaddr's own OUI lookup for the MAC signal
    import netaddr

    macs = [o.value for a in sample[:20_000] for o in a.observations if o.kind == "mac"]
    orgs = []
    start = time.perf_counter()
    for mac in macs:
        try:
            orgs.append(netaddr.EUI(mac).oui.registration().org)
        except netaddr.core.NotRegisteredError:
            orgs.append(None)
    netaddr_us = (time.perf_counter() - start) / len(macs) * 1e6
    ours_us = per_kind.get("mac", {}).get("microseconds_each", 0.0)

    report = {
        "date": dt.date.today().isoformat(), "rows": args.rows, "rows_with_findings": hits_e2e,
        "open_seconds": round(t_open.seconds, 2), "generate_seconds": round(t_make.seconds, 1),
        "read_seconds": round(t_read.seconds, 2), "screen_seconds": round(t_e2e.seconds - t_read.seconds, 2),
        "end_to_end_seconds": round(t_e2e.seconds, 2), "rows_per_second": round(args.rows / t_e2e.seconds),
        "per_signal": per_kind,
        "mac_lookup_us": {"banscreen": ours_us, "netaddr": round(netaddr_us, 2),
                          "ratio": round(netaddr_us / ours_us, 1) if ours_us else None},
    }
    (OUT / "equipment.json").write_text(json.dumps(report, indent=2))

    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"banscreen equipment screening, {args.rows:,} inventory rows, {report['date']}")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_column("target / baseline", justify="right")
    t.add_row("end to end (read CSV + screen)", f"{t_e2e.seconds:.2f} s, {report['rows_per_second']:,} rows/s",
              "1M rows < 10 s")
    t.add_row("  of which reading the CSV into assets (timed alone)", f"{t_read.seconds:.2f} s", "")
    t.add_row("  of which resolving vendors (the rest)", f"{t_e2e.seconds - t_read.seconds:.2f} s", "")
    t.add_row("rows with covered-vendor findings", f"{hits_e2e:,}", "")
    t.add_row("resolver start-up (OUI registry, vendor table)", f"{t_open.seconds:.2f} s", "")
    for kind, v in per_kind.items():
        baseline = f"netaddr {report['mac_lookup_us']['netaddr']} µs ({report['mac_lookup_us']['ratio']}x)" \
            if kind == "mac" else ""
        t.add_row(f"signal '{kind}' ({v['observations']:,} obs., cold cache)", f"{v['microseconds_each']} µs",
                  baseline)
    Console(width=140).print(t)
    print(f"wrote {OUT / 'equipment.json'}")


if __name__ == "__main__":
    main()
