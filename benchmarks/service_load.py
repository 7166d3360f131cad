"""Load on the single-party endpoint: `banscreen serve` on a loopback port, driven by
clients on the same machine, each run bounded in time (it stops by itself).

    python -m benchmarks.service_load                        # open loop, 200 requests/s for 30 s
    python -m benchmarks.service_load --rate 500 --workers 2 --seconds 20
    python -m benchmarks.service_load --rate 200 --match         # then /match/default at the same rate
    python -m benchmarks.service_load --sweep                # capacity: closed loop at 1/4/16/64 clients,
                                                             # then an overload run at 2x the best
    python -m benchmarks.service_load --sweep --server-src /path/to/old/src   # the same against other code
    python -m benchmarks.service_load --sweep --pin --batch 20000   # worker on core 0, clients on core 1
    python -m benchmarks.service_load --batch 20000 --batch-processes 0,2   # a batch in the worker / in 2 processes

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
import gc
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


# One worker, started the same way for any version of the code (older ones lack the
# serve options): the app with the per-key limit out of the way, under uvicorn with the
# event loop and HTTP parser named in BENCH_LOOP / BENCH_HTTP.
LAUNCHER = """
import os, uvicorn
from banscreen.api.app import Settings, create_app
from banscreen.lists.store import ListStore
from banscreen.store import CaseStore
import json
extra = json.loads(os.environ.get("BENCH_SETTINGS") or "{}")  # other service settings, for experiments
app = create_app(ListStore(os.environ["BANSCREEN_HOME"]), CaseStore(os.environ["BANSCREEN_DB"]),
                 Settings(rate_per_second=1e6, rate_burst=10**6, **extra))
uvicorn.run(app, host="127.0.0.1", port=int(os.environ["BENCH_PORT"]), log_level="warning",
            loop=os.environ.get("BENCH_LOOP", "auto"), http=os.environ.get("BENCH_HTTP", "auto"))
"""


def make_key(db: str, env: dict) -> str:
    """A screener key made by the code under test (its own schema revision)."""
    done = subprocess.run([sys.executable, "-m", "banscreen", "keys", "create", "--owner", "load-test", "--role",
                           "screener", "--db", db], env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"keys create failed: {done.stderr[-500:]}")
    return done.stdout.strip().splitlines()[-1]


class Server:
    """The service in a subprocess (optionally from another source tree): one worker
    through LAUNCHER, several through `banscreen serve`."""

    def __init__(self, home: Path, db: str, workers: int, src: str | None, plain: bool):
        self.port = _free_port()
        env = dict(os.environ, BANSCREEN_HOME=str(home), BANSCREEN_DB=db, BENCH_PORT=str(self.port))
        if src:
            env["PYTHONPATH"] = src
        if plain:  # as installed before uvloop and httptools were dependencies
            env["BENCH_LOOP"], env["BENCH_HTTP"] = "asyncio", "h11"
        self.key = make_key(db, env)
        if workers == 1:
            command = [sys.executable, "-c", LAUNCHER]
        else:
            command = [sys.executable, "-m", "banscreen", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                       "--workers", str(workers), "--rate", "1000000", "--burst", "1000000"]
        self.proc = subprocess.Popen(command, env=env, stderr=open(OUT / "service-server.log", "w"), stdout=subprocess.DEVNULL,
                                     preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if PIN and workers == 1 else None)
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


def request_bytes(name: str, key: str, port: int, endpoint: str = "party") -> bytes:
    """One request for `name`: to /v1/screen/party, or (endpoint "match") to the
    yente-compatible /match/default as a yente client sends it."""
    if endpoint == "match":
        body = json.dumps({"queries": {"q": {"schema": "LegalEntity", "properties": {"name": [name]}}}}).encode()
        return (f"POST /match/default HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: ApiKey {key}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
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
    """([(ms from the request's due time, status, ms from when it was sent)], status
    counts, requests sent). The first counts a server that falls behind (no coordinated
    omission); the second leaves out the client's own lateness (it shares the cores)."""
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
        sent_at = time.perf_counter()
        try:
            status = await _exchange(conn[0], conn[1], payload)
            idle.put_nowait(conn)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
            conn[1].close()
            nonlocal opened
            opened -= 1
        now = time.perf_counter()
        latencies.append(((now - due) * 1000, status, (now - sent_at) * 1000))
        statuses[status] = statuses.get(status, 0) + 1

    # Connections opened before the clock starts (and warmed by one request each), so
    # that the client's own start-up does not count as the server's latency.
    warm = await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(min(64, max_connections))))
    for conn in warm:
        await _exchange(conn[0], conn[1], payloads[0])
        idle.put_nowait(conn)
    opened = len(warm)
    CLIENT_LATE[0] = 0.0
    t0 = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            CLIENT_LATE[0] = max(CLIENT_LATE[0], -delay * 1000)  # the client itself fell behind
        waiting.append(asyncio.ensure_future(one(payloads[i % len(payloads)], due)))
    await asyncio.gather(*waiting)
    while not idle.empty():
        idle.get_nowait()[1].close()
    return latencies, statuses, total


# --pin: one worker on core 0, the clients (wrk, the open-loop client) on core 1, so that
# neither takes the other's CPU; they still share the machine with whatever else runs.
PIN = False
CLIENT_LATE = [0.0]  # how far behind schedule the open-loop client sent, at worst (ms)


def _uvloop_run():
    try:
        import uvloop
        return uvloop.run
    except ImportError:
        return asyncio.run


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
    out = subprocess.run([*(["taskset", "-c", "1"] if PIN else []), "wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{seconds:g}s", "--latency",
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


def batch_run(server: Server, names: list[str], rows: int, distinct: bool = False) -> dict:
    """One streamed CSV batch of `rows` parties (the names repeated, unless `distinct`:
    each once): parties a second."""
    import httpx

    picked = [n.replace('"', "") for n in names[:rows]] if distinct else \
        [names[i % len(names)].replace('"', "") for i in range(rows)]
    body = ("name\n" + "\n".join(f'"{n}"' for n in picked) + "\n").encode()
    start = time.perf_counter()
    with httpx.stream("POST", f"http://127.0.0.1:{server.port}/v1/screen/batch", content=body, timeout=600,
                      headers={"X-API-Key": server.key, "Content-Type": "text/csv"}) as r:
        lines = sum(1 for _ in r.iter_lines())
    seconds = time.perf_counter() - start
    return {"rows": rows, "status": r.status_code, "lines": lines, "seconds": round(seconds, 2),
            "parties_per_s": round(lines / seconds)}


def batch_comparison(args) -> None:
    """One streamed batch of distinct generated names through servers that screen it in
    the worker and in processes (`batch_processes`), alternating; a table of parties/s
    with each setting's ratio to the first."""
    OUT.mkdir(parents=True, exist_ok=True)
    store = bundled_store()
    from banscreen.screen import build_index

    index = build_index(store, store.select(dt.date.today()).versions)
    rows = args.batch or 20000
    names = list(dict.fromkeys(q.query for q in generate(index.entries, rows + 2000, seed=43)))
    warm, timed = names[:1000], names[1000:1000 + rows]
    settings = [int(n) for n in args.batch_processes.split(",")]
    runs: dict[int, list[dict]] = {n: [] for n in settings}
    for _ in range(args.repeat):
        for n in settings:
            os.environ["BENCH_SETTINGS"] = json.dumps({"batch_processes": n})
            db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'cases.db'}"
            server = Server(store.root, db, 1, None, False)
            try:
                batch_run(server, warm, len(warm), distinct=True)  # (and the processes have loaded the lists)
                runs[n].append(batch_run(server, timed, len(timed), distinct=True))
            finally:
                server.stop()
    report = {"date": dt.date.today().isoformat(), "rows": len(timed), "loadavg": os.getloadavg()[0],
              "runs": {str(n): r for n, r in runs.items()}}
    (OUT / f"service-batch{('-' + args.label) if args.label else ''}.json").write_text(json.dumps(report, indent=2))
    base = max(r["parties_per_s"] for r in runs[settings[0]])
    print(f"streamed batch of {len(timed):,} distinct parties, one worker, {os.cpu_count()} cores, "
          f"load average {report['loadavg']:.2f}")
    print("| batch processes | parties/s (each run) | best | ratio to the first row |")
    print("|---|---|---|---|")
    for n in settings:
        best = max(r["parties_per_s"] for r in runs[n])
        print(f"| {n or 'none (in the worker)'} | {' / '.join(format(r['parties_per_s'], ',') for r in runs[n])} "
              f"| {best:,} | {best / base:.2f}x |")


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
    ap.add_argument("--batch", type=int, default=0, help="also time one /v1/screen/batch CSV of this many rows")
    ap.add_argument("--plain", action="store_true", help="asyncio loop and h11 parser (no uvloop/httptools)")
    ap.add_argument("--label", default="")
    ap.add_argument("--match", action="store_true",
                    help="also run the open loop against the yente-compatible /match/default at the same rate")
    ap.add_argument("--pin", action="store_true", help="one worker on core 0, the clients on core 1")
    ap.add_argument("--batch-processes", default="",
                    help="only the batch (--batch rows, distinct names): one server per setting of the service's "
                         "batch_processes, e.g. 0,2 (0: screened in the worker), alternating --repeat times")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    if args.batch_processes:
        return batch_comparison(args)
    if args.pin:
        global PIN
        PIN = True
        os.sched_setaffinity(0, {1})  # this process runs the open-loop client and starts wrk
    OUT.mkdir(parents=True, exist_ok=True)

    store = bundled_store()
    from banscreen.screen import build_index

    index = build_index(store, store.select(dt.date.today()).versions)
    names = [q.query for q in generate(index.entries, 5000, seed=41)]
    db = f"sqlite:///{Path(tempfile.mkdtemp()) / 'cases.db'}"
    home = store.root
    if args.server_src:  # the lists as that code stores them (its list entries may have other fields)
        home = Path(tempfile.mkdtemp(prefix="banscreen-bench-"))
        subprocess.run([sys.executable, "-c", f"from banscreen.lists.store import ListStore; "
                        f"ListStore({str(home)!r}).ensure_bundled()"], env=dict(os.environ, PYTHONPATH=args.server_src),
                       check=True, timeout=600)
    server = Server(home, db, args.workers, args.server_src, args.plain)
    key = server.key
    report: dict = {"date": dt.date.today().isoformat(), "workers": args.workers, "label": args.label,
                    "loadavg_before": os.getloadavg()[0]}
    try:
        payloads = [request_bytes(n, key, server.port) for n in names]
        if args.sweep:
            ensure_wrk()
            rows = [closed_loop(server.port, key, names, int(c), min(args.seconds, 10)) for c in args.clients.split(",")]
            report["closed_loop"] = rows
            for r in rows:  # answered requests only: a 503 is not capacity
                r["ok_rps"] = max(0.0, r["rps"] - r["non_2xx"] / min(args.seconds, 10))
            best = max(r["ok_rps"] for r in rows)
            report["capacity_rps"] = round(best, 1)
            rate = 2 * best
        else:
            rate = args.rate
        runner = _uvloop_run()
        gc.collect()
        gc.freeze()  # the client's own collections must not show as the server's latency
        latencies, statuses, sent = runner(open_loop(server.port, payloads, rate, min(args.seconds, 30)))
        ok = [lat for lat, status, _ in latencies if status == 200]
        refused = [lat for lat, status, _ in latencies if status == 503]
        ok_sent = [lat for _, status, lat in latencies if status == 200]
        refused_sent = [lat for _, status, lat in latencies if status == 503]
        report["open_loop"] = {"rate": round(rate, 1), "requests": sent, "statuses": statuses,
                               "p50_ms": percentile(ok, 0.5), "p99_ms": percentile(ok, 0.99),
                               "max_ms": round(max(ok), 2) if ok else None,
                               "refused_p99_ms": percentile(refused, 0.99) if refused else None,
                               "from_send": {"p50_ms": percentile(ok_sent, 0.5), "p99_ms": percentile(ok_sent, 0.99),
                                             "refused_p50_ms": percentile(refused_sent, 0.5) if refused else None,
                                             "refused_p99_ms": percentile(refused_sent, 0.99) if refused else None},
                               "client_late_ms": round(CLIENT_LATE[0], 1)}
        if args.match:
            match_payloads = [request_bytes(n, key, server.port, "match") for n in names]
            gc.collect()
            latencies, statuses, sent = runner(open_loop(server.port, match_payloads, rate, min(args.seconds, 30)))
            ok = [lat for lat, status, _ in latencies if status == 200]
            report["open_loop_match"] = {"rate": round(rate, 1), "requests": sent, "statuses": statuses,
                                         "p50_ms": percentile(ok, 0.5), "p99_ms": percentile(ok, 0.99),
                                         "max_ms": round(max(ok), 2) if ok else None}
        if args.batch:
            report["batch"] = batch_run(server, names, args.batch)
    finally:
        server.stop()
    report["loadavg_after"] = os.getloadavg()[0]
    name = f"service{('-' + args.label) if args.label else ''}.json"
    (OUT / name).write_text(json.dumps(report, indent=2))
    print(f"banscreen service, {args.workers} worker(s){' [' + args.label + ']' if args.label else ''}, "
          f"load average {report['loadavg_before']:.2f} before, {report['loadavg_after']:.2f} after")
    if "closed_loop" in report:
        print("| closed loop clients | req/s | answered/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---|---|---|---|---|")
        for r in report["closed_loop"]:
            print(f"| {r['clients']} | {r['rps']:,.0f} | {r['ok_rps']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
                  f"| {r['non_2xx']} |")
    o = report["open_loop"]
    print(f"open loop at {o['rate']:,.0f} req/s for {min(args.seconds, 30):g} s: {o['requests']} requests, "
          f"statuses {o['statuses']}; answered: p50 {o['p50_ms']} ms, p99 {o['p99_ms']} ms, max {o['max_ms']} ms; "
          f"refused: p99 {o['refused_p99_ms']} ms; the client fell behind by up to {o['client_late_ms']} ms; "
          f"from when each was sent: answered p50 {o['from_send']['p50_ms']} / p99 {o['from_send']['p99_ms']} ms, "
          f"refused p50 {o['from_send']['refused_p50_ms']} / p99 {o['from_send']['refused_p99_ms']} ms")
    if "open_loop_match" in report:
        m = report["open_loop_match"]
        print(f"/match/default (yente-compatible) at the same {m['rate']:,.0f} req/s: {m['requests']} requests, "
              f"statuses {m['statuses']}; answered: p50 {m['p50_ms']} ms, p99 {m['p99_ms']} ms, max {m['max_ms']} ms")
    if "batch" in report:
        b = report["batch"]
        print(f"batch: {b['lines']:,} of {b['rows']:,} parties in {b['seconds']} s = {b['parties_per_s']:,} parties/s "
              f"(HTTP {b['status']})")


if __name__ == "__main__":
    main()
