"""Load on the single-party endpoint: `banscreen serve` on a loopback port, driven by
clients on the same machine, each run bounded in time (it stops by itself).

    python -m benchmarks.service_load                        # open loop, 200 requests/s for 30 s
    python -m benchmarks.service_load --rate 500 --workers 2 --seconds 20
    python -m benchmarks.service_load --sweep                # capacity: closed loop at 1/4/16/64 clients,
                                                             # then an overload run at 2x the best
    python -m benchmarks.service_load --sweep --server-src /path/to/old/src   # the same against other code

Closed loop uses `wrk` (Debian's package; installed with apt-get when missing and run as
root). Open loop uses a small asyncio client written here on raw keep-alive connections:
each request is due at a fixed time and its latency counts from then, so a server that
falls behind shows it (no coordinated omission). Prints a table and writes
benchmarks/out/service.json. Names come from benchmarks/make_names.py (perturbed list
names and negatives). The machine's load average is printed with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
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


class Server:
    """`banscreen serve` in a subprocess (optionally from another source tree)."""

    def __init__(self, home: Path, db: str, workers: int, src: str | None, extra: list[str]):
        self.port = _free_port()
        env = dict(os.environ, BANSCREEN_HOME=str(home), BANSCREEN_DB=db)
        if src:
            env["PYTHONPATH"] = src
        self.proc = subprocess.Popen([sys.executable, "-m", "banscreen", "serve", "--host", "127.0.0.1", "--port",
                                      str(self.port), "--workers", str(workers), *extra],
                                     env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        import httpx

        deadline, ready = time.time() + 120, 0
        while time.time() < deadline and ready < 3:
            try:
                ready = ready + 1 if httpx.get(f"http://127.0.0.1:{self.port}/v1/ready", timeout=2).status_code == 200 \
                    else 0
            except httpx.HTTPError:
                ready = 0
            time.sleep(0.3)
        if not ready:
            self.stop()
            raise SystemExit("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def request_bytes(name: str, key: str, port: int) -> bytes:
    body = json.dumps({"name": name}).encode()
    return (f"POST /v1/screen/party HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-Key: {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def _exchange(reader, writer, payload: bytes) -> int:
    writer.write(payload)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
    if m:
        await reader.readexactly(int(m.group(1)))
    return status


async def open_loop(port: int, payloads: list[bytes], rate: float, seconds: float, max_connections: int = 256):
    """(latencies in ms from each request's due time, status counts, requests sent)."""
    idle: asyncio.Queue = asyncio.Queue()
    opened = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    waiting: list[asyncio.Future] = []

    async def connection():
        nonlocal opened
        if not idle.empty():
            return idle.get_nowait()
        if opened < max_connections:
            opened += 1
            return await asyncio.open_connection("127.0.0.1", port)
        return await idle.get()

    async def one(payload: bytes, due: float):
        conn = await connection()
        try:
            status = await _exchange(conn[0], conn[1], payload)
            idle.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
            conn[1].close()
            nonlocal opened
            opened -= 1
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[status] = statuses.get(status, 0) + 1

    t0 = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        waiting.append(asyncio.ensure_future(one(payloads[i % len(payloads)], due)))
    await asyncio.gather(*waiting)
    while not idle.empty():
        idle.get_nowait()[1].close()
    return latencies, statuses, total


def closed_loop(port: int, key: str, names: list[str], clients: int, seconds: float) -> dict:
    """wrk with `clients` connections for `seconds`: requests/s, p50, p99 (ms), non-2xx."""
    script = Path(tempfile.mkdtemp()) / "post.lua"
    bodies = ",\n".join(json.dumps(json.dumps({"name": n})) for n in names[:2000])
    script.write_text(f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = "{key}"
local bodies = {{ {bodies} }}
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/v1/screen/party", nil, bodies[i])
end
""")
    out = subprocess.run(["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds:g}s", "--latency",
                          "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True,
                         timeout=seconds + 60).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"clients": clients, "rps": float(rps.group(1)) if rps else 0.0, "p50_ms": ms("50%"), "p99_ms": ms("99%"),
            "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(0) if errors else ""}


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, timeout=600)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed for --sweep (apt-get install wrk)")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))], 2) if values else float("nan")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="banscreen service load benchmark (loopback only)")
    ap.add_argument("--rate", type=float, default=200.0, help="open loop: requests a second")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--sweep", action="store_true", help="closed loop at 1/4/16/64 clients, then 2x overload")
    ap.add_argument("--clients", default="1,4,16,64")
    ap.add_argument("--server-src", help="run the server from this source tree (a baseline)")
    ap.add_argument("--label", default="")
    args = ap.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)

    store = bundled_store()
    from banscreen.screen import build_index
    from banscreen.store import CaseStore

    index = build_index(store, store.select(dt.date.today()).versions)
    names = [q.query for q in generate(index.entries, 5000, seed=41)]
    db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'cases.db'}"
    key = CaseStore(db).create_key("load-test", "screener")[1]
    extra = ["--rate", "1000000", "--burst", "1000000"]  # measure the service, not its per-key limit
    if args.server_src:
        extra = []  # an older server may not have these options; its default limit is 200/s, burst 400
    server = Server(store.root, db, args.workers, args.server_src, extra)
    report: dict = {"date": dt.date.today().isoformat(), "workers": args.workers, "label": args.label,
                    "loadavg_before": os.getloadavg()[0]}
    try:
        payloads = [request_bytes(n, key, server.port) for n in names]
        if args.sweep:
            ensure_wrk()
            rows = [closed_loop(server.port, key, names, int(c), min(args.seconds, 10)) for c in args.clients.split(",")]
            report["closed_loop"] = rows
            best = max(r["rps"] for r in rows)
            rate = 2 * best
        else:
            rate = args.rate
        latencies, statuses, sent = asyncio.run(open_loop(server.port, payloads, rate, min(args.seconds, 30)))
        ok = [lat for lat in latencies]  # all answers; split below by status is in `statuses`
        report["open_loop"] = {"rate": round(rate, 1), "requests": sent, "statuses": statuses,
                               "p50_ms": percentile(ok, 0.5), "p99_ms": percentile(ok, 0.99),
                               "max_ms": round(max(ok), 2) if ok else None}
    finally:
        server.stop()
    report["loadavg_after"] = os.getloadavg()[0]
    name = f"service{('-' + args.label) if args.label else ''}.json"
    (OUT / name).write_text(json.dumps(report, indent=2))
    print(f"banscreen service, {args.workers} worker(s){' [' + args.label + ']' if args.label else ''}, "
          f"load average {report['loadavg_before']:.2f} before, {report['loadavg_after']:.2f} after")
    if "closed_loop" in report:
        print("| closed loop clients | req/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---|---|---|---|")
        for r in report["closed_loop"]:
            print(f"| {r['clients']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['non_2xx']} |")
    o = report["open_loop"]
    print(f"open loop at {o['rate']:,.0f} req/s for {min(args.seconds, 30):g} s: {o['requests']} requests, "
          f"statuses {o['statuses']}, p50 {o['p50_ms']} ms, p99 {o['p99_ms']} ms, max {o['max_ms']} ms")


if __name__ == "__main__":
    main()
