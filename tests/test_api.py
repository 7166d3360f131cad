"""The HTTP service: keys and roles, limits, the screening and case endpoints, on SQLite
and PostgreSQL; a real uvicorn server on a loopback port; the review page in Chromium."""

from __future__ import annotations

import datetime as dt
import io
import json
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import uvicorn  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from banscreen.screen.record import record_results
from banscreen.api.app import Settings, create_app  # noqa: E402
from banscreen.lists.store import ListStore  # noqa: E402
from banscreen.model import Subject  # noqa: E402
from banscreen.report.records import match_record  # noqa: E402
from banscreen.screen import ScreenOptions, open_screener  # noqa: E402
from banscreen.sources import read_parties  # noqa: E402
from banscreen.store import CaseStore  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "parties.csv"


def seeded(db_url: str, home: Path) -> tuple[CaseStore, dict[str, str]]:
    """A case store with one recorded run of the example file, and a key per role."""
    cases = CaseStore(db_url)
    store = ListStore(home)
    screener, sel = open_screener(store, ScreenOptions(as_of=dt.date(2026, 11, 28)))
    versions = {v.dataset: v.version for v in sel.versions}
    run_id = cases.start_run(screen="parties", input_path=str(EXAMPLE), input_sha256="", as_of=dt.date(2026, 11, 28),
                             list_versions=versions, options={})
    record_results(cases, run_id, screener.screen_all(read_parties(EXAMPLE)), versions)
    keys = {role: cases.create_key(f"{role}-user", role)[1] for role in ("screener", "reviewer", "admin")}
    return cases, keys


@pytest.fixture()
def api(db_url, bundled_home):
    cases, keys = seeded(db_url, bundled_home)
    client = TestClient(create_app(ListStore(bundled_home), cases, Settings(max_body_bytes=64 * 1024)),
                        raise_server_exceptions=False)
    return client, keys, cases


def h(key: str) -> dict:
    return {"X-API-Key": key}


def test_keys_and_roles(api):
    client, keys, _ = api
    body = {"name": "ZTE Corporation"}
    assert client.post("/v1/screen/party", json=body).status_code == 401
    assert client.post("/v1/screen/party", json=body, headers=h("bsk_not-a-key")).status_code == 401
    assert client.post("/v1/screen/party", json=body, headers=h(keys["screener"])).status_code == 200
    alert_id = client.get("/v1/cases", headers=h(keys["screener"])).json()["alerts"][0]["id"]
    decision = {"decision": "false_positive", "reason": "other company"}
    r = client.post(f"/v1/cases/{alert_id}/decision", json=decision, headers=h(keys["screener"]))
    assert r.status_code == 403 and "screener role cannot" in r.json()["detail"]
    assert client.get("/v1/audit/verify", headers=h(keys["reviewer"])).status_code == 403
    assert client.get("/v1/audit/verify", headers=h(keys["admin"])).json()["ok"] is True


def test_screen_party_returns_the_cli_match_objects(api, bundled_home):
    client, keys, _ = api
    r = client.post("/v1/screen/party", json={"name": "ZTE Corporation", "country": "CN", "as_of": "2018-05-01"},
                    headers=h(keys["screener"]))
    assert r.status_code == 200
    got = r.json()
    screener, _ = open_screener(ListStore(bundled_home), ScreenOptions(as_of=dt.date(2018, 5, 1)))
    expected = [json.loads(json.dumps(match_record(m)))
                for m in screener.screen(Subject(1, 0, "ZTE Corporation", "CN")).matches]
    assert got["matches"] == expected and got["matches"][0]["list"] == "DPL"
    assert got["as_of"] == "2018-05-01"


def test_limits_errors_and_no_traces(api, monkeypatch):
    client, keys, cases = api
    big = {"name": "x" * 900, "address": "y" * 100_000}
    assert client.post("/v1/screen/party", json=big, headers=h(keys["screener"])).status_code == 413
    assert client.post("/v1/screen/party", json={"name": ""}, headers=h(keys["screener"])).status_code == 422
    monkeypatch.setattr(cases, "verify", lambda: 1 / 0)
    r = client.get("/v1/audit/verify", headers=h(keys["admin"]))
    assert r.status_code == 500 and r.json() == {"detail": "internal error"} and "Traceback" not in r.text
    assert client.get("/v1/cases/999999", headers=h(keys["screener"])).status_code == 404


def test_rate_limit_per_key(db_url, bundled_home):
    cases, keys = seeded(db_url, bundled_home)
    client = TestClient(create_app(ListStore(bundled_home), cases, Settings(rate_per_second=0.001, rate_burst=3)))
    codes = [client.get("/v1/lists", headers=h(keys["screener"])).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert client.get("/v1/lists", headers=h(keys["admin"])).status_code == 200  # other keys unaffected


def test_decision_through_the_api_is_audited_with_the_key_owner(api):
    client, keys, cases = api
    alert_id = client.get("/v1/cases", headers=h(keys["reviewer"])).json()["alerts"][0]["id"]
    r = client.post(f"/v1/cases/{alert_id}/decision", json={"decision": "false_positive", "reason": "checked"},
                    headers=h(keys["reviewer"]))
    assert r.status_code == 200 and r.json()["reviewer"] == "reviewer-user"
    detail = client.get(f"/v1/cases/{alert_id}", headers=h(keys["reviewer"])).json()
    assert detail["status"] == "closed" and detail["decisions"][0]["reviewer"] == "reviewer-user"
    buf = io.StringIO()
    cases.export(buf)
    last = [json.loads(line) for line in buf.getvalue().splitlines() if "decision.made" in line][-1]
    assert last["actor"] == "reviewer-user" and last["payload"]["reason"] == "checked"


def test_batch_equipment_and_lists(api):
    client, keys, _ = api
    k = h(keys["screener"])
    r = client.post("/v1/screen/batch", json=[{"name": "Mahan Air", "country": "IR"}, {"name": "Nordic Fibre AB"}],
                    headers=k)
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert r.headers["content-type"].startswith("application/x-ndjson") and len(lines) == 2
    assert lines[0]["matches"][0]["name"] == "MAHAN AIR" and lines[1]["matches"] == []
    csv_body = b"name,country\nZTE Corporation,CN\nAcme Widgets,US\n"
    r = client.post("/v1/screen/batch", files={"file": ("p.csv", csv_body, "text/csv")}, headers=k)
    assert [bool(json.loads(x)["matches"]) for x in r.text.splitlines()] == [True, False]
    r = client.post("/v1/screen/equipment", json={"assets": [{"label": "cam", "observations": [
        {"kind": "mac", "value": "44:19:B6:12:34:56"}, {"kind": "vendor", "value": "Hikvision"}]}]}, headers=k)
    finding = r.json()["assets"][0]["findings"][0]
    assert finding["vendor"] == "hikvision" and finding["confidence"] == "high"
    versions = client.get("/v1/lists", headers=k).json()["in_force"]
    assert {v["dataset"] for v in versions} >= {"csl", "ofac-sdn", "telecom"}
    entry = client.get("/v1/lists/telecom/entries/zte-denial-2018", headers=k).json()["entries"][0]
    assert entry["start_date"] == "2018-04-15"
    ready = client.get("/v1/ready").json()
    assert ready["ready"] and ready["entries"] > 20_000


def test_openapi_documents_the_endpoints(api):
    client, _, _ = api
    spec = client.get("/openapi.json").json()
    assert {"/v1/screen/party", "/v1/screen/batch", "/v1/screen/equipment", "/v1/cases", "/v1/cases/{alert_id}",
            "/v1/cases/{alert_id}/decision", "/v1/audit/verify", "/v1/health", "/v1/ready"} <= set(spec["paths"])
    assert "PartyIn" in spec["components"]["schemas"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def live_server(db_url, bundled_home):
    cases, keys = seeded(db_url, bundled_home)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(ListStore(bundled_home), cases), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}", keys, cases
    server.should_exit = True
    thread.join(10)


def test_real_uvicorn_server(live_server):
    import httpx

    url, keys, _ = live_server
    assert httpx.get(f"{url}/v1/health").json()["status"] == "ok"
    r = httpx.post(f"{url}/v1/screen/party", json={"name": "Huawei Technologies Co., Ltd."},
                   headers=h(keys["screener"]))
    assert r.status_code == 200 and {m["list"] for m in r.json()["matches"]} >= {"EL", "FCC-CL"}
    assert httpx.post(f"{url}/v1/screen/party", json={"name": "x"}).status_code == 401


def test_review_page_in_chromium(live_server, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium not installed (scripts/test installs Debian's chromium package)")
    url, keys, cases = live_server
    first_id = cases.alerts()[0][0].id
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        context = browser.new_context(viewport={"width": 1300, "height": 1000})
        page = context.new_page()
        page.goto(f"{url}/alerts")
        assert page.url.endswith("/login")
        page.fill("#key", keys["reviewer"])
        page.click("#login")
        page.wait_for_url(f"{url}/alerts")
        cookie = next(c for c in context.cookies() if c["name"] == "banscreen_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        before = page.locator("#queue tr[data-alert]").count()
        assert before > 30
        page.click(f"#queue tr[data-alert='{first_id}'] td:nth-child(3) a")
        assert page.locator("#input-side").is_visible() and page.locator("#entry-side").is_visible()
        assert page.locator("#features tr").count() >= 3  # the explanation, side by side with the entry
        page.fill("#reason", "different company: checked the registry")
        page.click("#false-positive")
        page.wait_for_url(f"{url}/alerts")
        assert page.locator("#queue tr[data-alert]").count() == before - 1
        assert page.locator(f"#queue tr[data-alert='{first_id}']").count() == 0
        page.goto(f"{url}/")
        assert page.locator("#chart-open-by-list rect.bar").count() >= 3
        out = Path(__file__).parent / "output"
        out.mkdir(exist_ok=True)
        page.screenshot(path=str(out / "dashboard.png"), full_page=True)
        browser.close()
    _, _, decisions = cases.alert(first_id)
    assert decisions[-1].reviewer == "reviewer-user" and decisions[-1].decision == "false_positive"


def test_lists_refresh_switches_versions_atomically(tmp_path, bundled_home):
    import shutil

    home = tmp_path / "home"
    shutil.copytree(bundled_home / "lists", home / "lists")  # the bundled versions, without rebuilding them
    store = ListStore(home)
    cases = CaseStore(f"sqlite:///{tmp_path / 'c.db'}")
    admin = cases.create_key("ops", "admin")[1]
    screener_key = cases.create_key("shop", "screener")[1]
    client = TestClient(create_app(store, cases))
    party = {"name": "Shady Reseller GmbH", "country": "DE"}
    assert client.post("/v1/screen/party", json=party, headers=h(screener_key)).json()["matches"] == []
    assert client.post("/v1/lists/refresh", headers=h(screener_key)).status_code == 403
    assert client.post("/v1/lists/refresh", headers=h(admin)).json()["switched"] is False
    blocklist = tmp_path / "blocklist.csv"
    blocklist.write_text("name,country,list,reason\nShady Reseller GmbH,DE,INTERNAL,chargebacks\n")
    store.import_file(blocklist, format="custom-csv", published=dt.date(2026, 1, 1))
    # imported but not yet in force for the service: requests still see the old versions
    assert not any(v["label"].startswith("custom@") for v in client.get("/v1/ready").json()["list_versions"])
    r = client.post("/v1/lists/refresh", headers=h(admin)).json()
    assert r["switched"] is True and any(label.startswith("custom@") for label in r["in_force"])
    matches = client.post("/v1/screen/party", json=party, headers=h(screener_key)).json()["matches"]
    assert matches and matches[0]["list"] == "INTERNAL"


def test_review_page_shows_an_android_alert(api):
    """An `android scan --db` alert on the review page: what was scanned, the indicator,
    its evidence and source, not the party layout."""
    import datetime as dt

    from banscreen.screen.android import AndroidScanner
    from banscreen.lists.indicators_yaml import bundled_indicators
    from banscreen.match.android import IndicatorMatcher
    from banscreen.sources import android as android_sources

    client, keys, cases = api
    scanner = AndroidScanner(IndicatorMatcher(bundled_indicators()), None, dt.date(2026, 11, 28))
    capture = REPO / "tests" / "data" / "android" / "pm-list-adups.txt"
    run_id = cases.start_run(screen="android", input_path=str(capture), input_sha256="", as_of=dt.date(2026, 11, 28),
                             list_versions={}, options={})
    record_results(cases, run_id, scanner.scan_all(android_sources.read(capture)), {})
    alert = next(a for a, _ in cases.alerts(list_code="ANDROID", limit=100)
                 if a.entry_name == "ADUPS FOTA: package com.adups.fota")
    client.post("/login", data={"key": keys["reviewer"]}, follow_redirects=False)
    page = client.get(f"/alerts/{alert.id}")
    assert page.status_code == 200
    html = page.text
    assert "Android indicator" in html and "severity high" in html and "Kryptowire" in html
    assert "pm-list-adups.txt" in html and "Country:" not in html


def test_a_batch_screened_in_processes_answers_as_the_worker_does(db_url, bundled_home, caplog):
    """`batch_processes`: the parties go to real screening processes (spawned, each
    loading the lists) in chunks and come back in order, the same lines as screened in
    the worker, error rows in their place; a chunk the processes cannot screen (their
    versions differ from the worker's) is screened in the worker."""
    from banscreen.api import batch_pool

    cases, keys = seeded(db_url, bundled_home)
    names = ["Mahan Air", "Nordic Fibre AB", "ZTE Corporation Shenzhen Branch", "Huawei Technologies Co Ltd",
             "김정은", "Acme Widgets GmbH"]
    body = [{"name": names[i % len(names)], "country": "IR" if i % 7 == 0 else ""} for i in range(700)]
    body[10] = {"name": ""}  # a row that cannot be screened: its error record in its place
    body[450] = "not an object"
    answers = {}
    for processes in (0, 2):
        with TestClient(create_app(ListStore(bundled_home), cases, Settings(batch_processes=processes,
                                                                            max_body_bytes=1 << 20))) as client:
            r = client.post("/v1/screen/batch", json=body, headers={"X-API-Key": keys["screener"]})
            assert r.status_code == 200
            answers[processes] = [json.loads(line) for line in r.text.splitlines()]
    assert len(answers[2]) == 700 and answers[2] == answers[0]
    assert "screened in the worker" not in caplog.text  # (the processes answered every chunk)
    assert "error" in answers[2][10] and "error" in answers[2][450]
    assert any(m["list"] == "SDN" for m in answers[2][0]["matches"])  # Mahan Air

    # versions the processes cannot load: the worker screens the chunk itself, the answer is the same
    pool = batch_pool.BatchPool(bundled_home, 1)
    try:
        async def collect():
            loaded = open_screener(ListStore(bundled_home), ScreenOptions())[0]
            items = [("Mahan Air", "", "", None, 0.75)] * 3
            return [part async for part in pool.answers((("ofac-sdn", "no-such-version"),), items,
                                                        lambda part: [batch_pool.party_answer(loaded, x)
                                                                      for x in part])]
        import asyncio
        parts = asyncio.run(collect())
        assert len(parts) == 1 and len(parts[0]) == 3 and b"MAHAN AIR" in parts[0][0]
        assert "VersionsDiffer" in caplog.text
    finally:
        pool.close()


def test_batch_processes_end_when_their_worker_is_killed(bundled_home, tmp_path):
    """A worker killed outright (SIGKILL: no shutdown runs) must not leave its screening
    processes behind, each holding the lists: they notice within seconds and exit."""
    import os
    import signal
    import subprocess
    import sys

    script = ("import sys, time\nfrom pathlib import Path\nfrom banscreen.api.batch_pool import BatchPool\n"
              f"pool = BatchPool(Path({str(bundled_home)!r}), 2)\n"
              "while len(pool._executor._processes) < 2: time.sleep(0.1)\n"
              "print(' '.join(str(p) for p in pool._executor._processes), flush=True)\n"
              "time.sleep(600)\n")
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        children = [int(p) for p in worker.stdout.readline().split()]
        assert len(children) == 2
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

    def gone(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/status") as fh:
                return any(line.startswith("State:") and "Z" in line.split()[1] for line in fh)
        except FileNotFoundError:
            return True

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not all(gone(p) for p in children):
        time.sleep(0.2)
    left = [p for p in children if not gone(p)]
    for pid in left:  # (not to leave them behind if the test fails)
        os.kill(pid, signal.SIGKILL)
    assert not left
