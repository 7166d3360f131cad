"""Issue 20 without timings: overload is answered at once (503 with Retry-After) and never
on the health endpoints; a revoked key is refused on the next request on every worker,
though keys are cached in memory; rate-limit tokens leased per worker still add up to
one limit."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
from fastapi.testclient import TestClient

from banscreen.api.app import Settings, create_app
from banscreen.api.overload import Overload
from banscreen.lists.store import ListStore
from tests.test_api import h, seeded
from tests.test_hardening import Served, served_home  # noqa: F401  (a fixture)


def test_past_the_in_flight_bound_the_answer_is_503_with_retry_after(bundled_home, tmp_path):
    cases, keys = seeded(f"sqlite:///{tmp_path / 'cases.db'}", bundled_home)
    client = TestClient(create_app(ListStore(bundled_home), cases, Settings(max_in_flight=0)))
    r = client.post("/v1/screen/party", json={"name": "ZTE Corporation"}, headers=h(keys["screener"]))
    assert r.status_code == 503 and r.headers["retry-after"] == "1" and "capacity" in r.json()["detail"]
    assert client.get("/v1/health").status_code == 200 and client.get("/v1/ready").status_code == 200


def _call(middleware: Overload, path: str) -> int:
    sent = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    middleware.app = app
    asyncio.run(middleware({"type": "http", "path": path, "headers": []}, receive, send))
    return sent[0]["status"]


def test_a_worker_behind_its_queue_bound_refuses_new_requests_but_not_health():
    overload = Overload(None, max_in_flight=100, max_queue_seconds=0.05)
    overload._ensure_monitor = lambda: None  # no monitor task: its readings are set by hand below
    assert _call(overload, "/v1/screen/party") == 200
    overload.started = Overload.BACKLOG  # requests keep arriving: a queue if the loop is behind
    overload.lag, overload.sampled_at = 0.2, float("inf")  # just now, the loop woke 200 ms late
    assert _call(overload, "/v1/screen/party") == 503
    assert _call(overload, "/v1/health") == 200 and _call(overload, "/v1/ready") == 200
    overload.sampled_at = float("-inf")  # that reading is old: the stall has passed
    assert _call(overload, "/v1/screen/party") == 200
    overload.lag, overload.next_tick = 0.0, float("-inf")  # the monitor is overdue right now
    assert _call(overload, "/v1/screen/party") == 503 and overload.shed == 2
    overload.started = 0  # but nobody else is waiting: one late request is served
    assert _call(overload, "/v1/screen/party") == 200


def test_the_lag_monitor_measures_a_blocked_loop():
    async def scenario():
        overload = Overload(None)
        monitor = asyncio.get_running_loop().create_task(overload._watch())
        await asyncio.sleep(0.02)
        quiet = overload.lag
        import time
        time.sleep(0.15)  # the loop is held up, as by queued work
        await asyncio.sleep(0.001)  # the monitor, overdue, runs first
        monitor.cancel()
        return quiet, overload.lag
    quiet, blocked = asyncio.run(scenario())
    assert quiet < 0.1 and blocked > 0.1


def test_revoked_key_is_refused_at_once_on_every_worker(served_home):  # noqa: F811
    home, db, keys = served_home
    server = Served(home, db, workers=2)
    try:
        for _ in range(30):  # new connections, spread over both workers: each caches the key
            assert httpx.get(f"{server.url}/v1/lists", headers=h(keys["screener"])).status_code == 200
        done = subprocess.run([sys.executable, "-m", "banscreen", "keys", "revoke", "1", "--db", db],
                              capture_output=True, text=True, env=dict(os.environ, BANSCREEN_HOME=str(home)))
        assert done.returncode == 0, done.stderr
        # (15: past 20 failures from one address the answer becomes 429)
        codes = [httpx.get(f"{server.url}/v1/lists", headers=h(keys["screener"])).status_code for _ in range(15)]
        assert codes == [401] * 15
    finally:
        server.stop()


def test_leased_tokens_add_up_to_one_limit(bundled_home, tmp_path):
    """Two limiters (as two workers) over one store: together they pass the burst,
    give or take the tokens one holds unspent, never the burst twice."""
    from banscreen.api.auth import LeasedLimiter

    cases, _ = seeded(f"sqlite:///{tmp_path / 'cases.db'}", bundled_home)
    a, b = LeasedLimiter(cases, rate=0.001, burst=200), LeasedLimiter(cases, rate=0.001, burst=200)
    assert a.lease == 10
    passed = sum(limiter.allow("key:1") for _ in range(300) for limiter in (a, b))
    assert 200 - 2 * a.lease <= passed <= 200


def test_postgres_key_changes_reach_another_process_by_notify(postgres):
    """Two stores on one PostgreSQL database, as two workers on two hosts: a key revoked
    through one is seen as a key change by the other's listener within moments, so its
    cached keys are dropped; no polling of the database per request."""
    import time

    from banscreen.store import CaseStore

    url = postgres.create_database(f"notify_{os.getpid()}")
    here, there = CaseStore(url), CaseStore(url)
    key_id, _ = here.create_key("ops", "screener")
    there.key_changes()  # starts its listener
    deadline = time.time() + 10
    while not there._key_signal().listening and time.time() < deadline:
        time.sleep(0.05)
    assert there._key_signal().listening
    seen = there.key_changes()
    here.revoke_key(key_id)
    deadline = time.time() + 5
    while there.key_changes() == seen and time.time() < deadline:
        time.sleep(0.01)
    assert there.key_changes() != seen
