"""Load on the single-party endpoint: `banscreen serve` on a loopback port, driven at a
fixed rate by an asynchronous client for a fixed time (bounded: it stops by itself).

    python -m benchmarks.service_load                     # 200 requests/s for 30 s
    python -m benchmarks.service_load --rate 100 --seconds 10

Prints p50/p99 latency and the error count, and writes benchmarks/out/service.json.
Names come from benchmarks/make_names.py (perturbed list names and negatives).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import OUT, bundled_store
from benchmarks.make_names import generate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def drive(url: str, key: str, names: list[str], rate: float, seconds: float) -> tuple[list[float], int, int]:
    import httpx

    latencies: list[float] = []
    errors = 0
    sent = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": key}, limits=limits, timeout=10) as client:
        async def one(name: str) -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                r = await client.post("/v1/screen/party", json={"name": name})
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - start) * 1000)

        tasks = []
        t0 = time.perf_counter()
        total = int(rate * seconds)
        for i in range(total):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(names[i % len(names)])))
            sent += 1
        await asyncio.gather(*tasks)
    return latencies, errors, sent


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen service load benchmark (loopback only)")
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)

    store = bundled_store()
    from banscreen.screen import build_index
    from banscreen.store import CaseStore

    index = build_index(store, store.select(dt.date.today()).versions)
    names = [q.query for q in generate(index.entries, 5000, seed=41)]
    db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'cases.db'}"
    key = CaseStore(db).create_key("load-test", "screener")[1]
    port = _free_port()
    env = dict(os.environ, BANSCREEN_HOME=str(store.root), BANSCREEN_DB=db)
    server = subprocess.Popen([sys.executable, "-m", "banscreen", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{url}/v1/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        latencies, errors, sent = asyncio.run(drive(url, key, names, args.rate, args.seconds))
    finally:
        server.terminate()
        server.wait(10)
    latencies.sort()
    report = {"date": dt.date.today().isoformat(), "rate": args.rate, "seconds": args.seconds, "requests": sent,
              "errors": errors, "p50_ms": round(latencies[len(latencies) // 2], 2),
              "p99_ms": round(latencies[int(len(latencies) * 0.99)], 2), "max_ms": round(latencies[-1], 2)}
    (OUT / "service.json").write_text(json.dumps(report, indent=2))
    print(f"{sent} requests at {args.rate:g}/s for {args.seconds:g} s: p50 {report['p50_ms']} ms, "
          f"p99 {report['p99_ms']} ms, max {report['max_ms']} ms, {errors} errors (target p99 < 10 ms, 0 errors)")


if __name__ == "__main__":
    main()
