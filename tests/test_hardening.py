"""Issue 17, tried as an attacker and as an unlucky operator: each test here failed on
the code before the fix. The service tests run real uvicorn processes (`banscreen serve`,
two workers where it matters) on loopback ports; memory is measured as the peak resident
size (VmHWM) of the processes that did the work."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from banscreen.api import review as review_module  # noqa: E402
from banscreen.api.app import Settings, create_app  # noqa: E402
from banscreen.lists.store import ListStore  # noqa: E402
from banscreen.store import CaseStore  # noqa: E402
from banscreen.store.schema import WebSession  # noqa: E402
from tests.test_api import h, seeded  # noqa: E402

BANSCREEN = [sys.executable, "-m", "banscreen"]


@pytest.fixture()
def banscreen(capsys, monkeypatch):
    """The command line as a user runs it (main(): exit codes, messages): (code, output)."""
    from banscreen import cli

    def invoke(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["banscreen", *args])
        with pytest.raises(SystemExit) as exc:
            cli.main()
        c = capsys.readouterr()
        assert "Traceback" not in c.out + c.err
        return exc.value.code, c.out + c.err
    return invoke


def peak_kib(pid: int) -> int:
    """Peak resident memory of a process (VmHWM), KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {pid}")


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`banscreen serve` in a subprocess on a loopback port, stopped at the end."""

    def __init__(self, home: Path, db: str, *args: str, workers: int = 1):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, BANSCREEN_HOME=str(home), BANSCREEN_DB=db)
        self.proc = subprocess.Popen(BANSCREEN + ["serve", "--port", str(self.port), "--workers", str(workers),
                                                  *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 120
        ready = 0
        while time.time() < deadline and ready < 4:  # a few answers in a row: every worker is up
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                ready = ready + 1 if httpx.get(f"{self.url}/v1/ready", timeout=5).status_code == 200 else 0
            except httpx.HTTPError:
                ready = 0
            time.sleep(0.3)
        assert ready, "the server did not start"
        self.workers = children(self.proc.pid) if workers > 1 else [self.proc.pid]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture()
def served_home(bundled_home, tmp_path):
    """A copy of the bundled home with its own SQLite case store, seeded, and its keys."""
    home = tmp_path / "home"
    shutil.copytree(bundled_home, home)
    db = f"sqlite:///{tmp_path / 'cases.db'}"
    _, keys = seeded(db, home)
    return home, db, keys


# Item 1: a chunked body counts against the limit, and nothing is parsed before the key.

def send_chunked(port: int, path: str, headers: dict[str, str], total: int, chunk: int = 64 * 1024) -> bytes:
    """POST `total` bytes of CSV rows in chunked framing (no Content-Length); the
    server's answer, or b"" if it closed the connection before answering."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    row = b"Huawei Technologies Co Ltd,CN\n" * (chunk // 30)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(head.encode())
        sent = 0
        try:
            s.sendall(b"%x\r\nname,country\n\r\n" % len(b"name,country\n"))
            while sent < total:
                s.sendall(b"%x\r\n%s\r\n" % (len(row), row))
                sent += len(row)
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: read what it said
        answer = b""
        try:
            while data := s.recv(65536):
                answer += data
        except (ConnectionResetError, socket.timeout):
            pass
        return answer


def test_chunked_batch_body_is_stopped_at_the_limit_without_holding_it(served_home):
    home, db, keys = served_home
    server = Served(home, db, "--max-body-mib", "2")
    try:
        worker = server.workers[0]
        before = peak_kib(worker)
        answer = send_chunked(server.port, "/v1/screen/batch", {"X-API-Key": keys["screener"],
                                                                "Content-Type": "text/csv"}, 20 * 2**20)
        grown_mib = (peak_kib(worker) - before) / 1024
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"over 2097152 bytes" in answer
        assert grown_mib < 60, f"a 20 MiB chunked body raised the server's peak by {grown_mib:.0f} MiB"
        # no key: refused before a byte of the body is parsed, even a malformed multipart
        r = httpx.post(f"{server.url}/v1/screen/batch", content=b"--x\r\nnot multipart at all",
                       headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert r.status_code == 401
        answer = send_chunked(server.port, "/v1/screen/batch", {"Content-Type": "text/csv"}, 20 * 2**20)
        assert answer.startswith(b"HTTP/1.1 401")
        assert (peak_kib(worker) - before) / 1024 < 60
    finally:
        server.stop()


def test_batch_rows_stream_in_order_with_error_records(api_client):
    client, keys = api_client
    rows = ["name,country,address"]
    for i in range(3000):
        rows.append("ZTE Corporation,CN," if i % 1000 == 0 else f"Acme Widgets {i},US,")
    r = client.post("/v1/screen/batch", files={"file": ("p.csv", ("\n".join(rows) + "\n").encode(), "text/csv")},
                    headers=h(keys["screener"]))
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert len(lines) == 3000 and [i for i, x in enumerate(lines) if x["matches"]] == [0, 1000, 2000]
    assert lines[5]["name"] == "Acme Widgets 5"


# Item 12: service edge cases answer 4xx or a per-row error record, never a 500.

@pytest.fixture()
def api_client(bundled_home, tmp_path):
    cases, keys = seeded(f"sqlite:///{tmp_path / 'cases.db'}", bundled_home)
    client = TestClient(create_app(ListStore(bundled_home), cases, Settings(max_body_bytes=2**20)),
                        raise_server_exceptions=False)
    return client, keys


def test_batch_edge_cases_are_row_errors(api_client):
    client, keys = api_client
    body = ("name,country\nZTE Corporation,CN\n" + "x" * 1500 + ",US\n,US\nAcme,US,extra\n").encode() \
        + b"Caf\xe9 Sarl,FR\nHuawei Technologies,CN\n"
    r = client.post("/v1/screen/batch", files={"file": ("p.csv", body, "text/csv")}, headers=h(keys["screener"]))
    assert r.status_code == 200
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert len(lines) == 6
    assert lines[0]["matches"] and lines[5]["matches"]
    assert lines[1]["row"] == 2 and lines[1]["line"] == 3 and "at most 1000 characters" in lines[1]["error"]
    assert lines[2]["line"] == 4 and "empty" in lines[2]["error"]
    assert lines[3]["line"] == 5 and "expected 2 fields" in lines[3]["error"]
    assert lines[4]["line"] == 6 and "not valid UTF-8" in lines[4]["error"]
    # the same through a JSON array
    r = client.post("/v1/screen/batch", json=[{"name": "ZTE Corporation"}, {"name": ""}, {"name": "  "}, 7,
                                              {"name": "Acme", "min_score": "NaN"}], headers=h(keys["screener"]))
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert lines[0]["matches"] and [x["row"] for x in lines[1:]] == [2, 3, 4, 5]
    assert all("error" in x for x in lines[1:])
    # a CSV with no name column, a body that is not a batch at all
    r = client.post("/v1/screen/batch", content=b"firm,country\nZTE,CN\n", headers={**h(keys["screener"]),
                                                                                    "Content-Type": "text/csv"})
    assert "needs a 'name' column" in r.json()["error"]
    r = client.post("/v1/screen/batch", content=b'{"name": "x"}', headers={**h(keys["screener"]),
                                                                           "Content-Type": "application/json"})
    assert r.status_code == 422


def test_party_edge_cases_are_422(api_client):
    client, keys = api_client
    k = {**h(keys["screener"]), "Content-Type": "application/json"}
    for body in (b'{"name": "Acme", "min_score": NaN}', b'{"name": "Acme", "min_score": Infinity}',
                 b'{"name": "   "}', b'{"name": "' + b"x" * 1001 + b'"}'):
        r = client.post("/v1/screen/party", content=body, headers=k)
        assert r.status_code == 422, (body[:40], r.status_code, r.text[:200])


# Item 4: a truncated list file does not go into force.

def test_truncated_list_import_is_refused(lists_dir, tmp_path, banscreen):
    home = tmp_path / "home"

    def lists(*args):
        return banscreen("lists", *args, "--home", str(home))

    dpl = (lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt").read_bytes()
    code, out = lists("import", str(lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt"), "--dataset", "dpl-t")
    assert code == 0
    cut = tmp_path / "cut.txt"
    cut.write_bytes(dpl[: len(dpl) // 3])  # cut at a third, mid-row, as a broken download is
    code, out = lists("import", str(cut), "--dataset", "dpl-t", "--published", "2023-12-01")
    assert code == 2 and "ends in the middle of a row" in out
    at_row = tmp_path / "short.txt"
    at_row.write_bytes(dpl[: dpl.rindex(b"\n", 0, len(dpl) // 3) + 1])  # cut at a row's end
    code, out = lists("import", str(at_row), "--dataset", "dpl-t", "--published", "2023-12-01")
    assert code == 2 and "a drop of" in out and "--allow-drop" in out
    assert len(ListStore(home).versions("dpl-t")) == 1
    code, out = lists("import", str(at_row), "--dataset", "dpl-t", "--published", "2023-12-01", "--allow-drop")
    assert code == 0 and len(ListStore(home).versions("dpl-t")) == 2


def test_list_versions_with_one_publish_date_have_a_defined_order(lists_dir, tmp_path):
    store = ListStore(tmp_path / "home")
    src = lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt"
    first = store.import_file(src, dataset="same", published=dt.date(2024, 1, 1)).version
    edited = tmp_path / "dpl.txt"
    edited.write_bytes(src.read_bytes() + b"\n")
    second = store.import_file(edited, dataset="same", published=dt.date(2024, 1, 1)).version
    assert [v.version for v in store.versions("same")] == [first.version, second.version]
    assert store.version("same").version == second.version  # the later import is the newer version


# Item 5: keys can be listed and revoked, and revoking ends sessions.

def test_keys_list_revoke_and_sessions_end_with_their_key(api_client, tmp_path, banscreen):
    client, keys = api_client
    db = f"sqlite:///{tmp_path / 'cases.db'}"
    code, listed = banscreen("keys", "list", "--format", "json", "--db", db)
    rows = json.loads(listed)
    assert {r["role"] for r in rows} == {"screener", "reviewer", "admin"}
    assert set(rows[0]) == {"id", "owner", "role", "prefix", "created", "revoked"} and rows[0]["revoked"] is None
    reviewer = next(r for r in rows if r["role"] == "reviewer")
    # a session opened with the reviewer's key
    r = client.post("/login", data={"key": keys["reviewer"]}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/alerts", follow_redirects=False).status_code == 200
    code, output = banscreen("keys", "revoke", str(reviewer["id"]), "--db", db)
    assert code == 0 and "revoked" in output
    assert client.get("/alerts", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/v1/cases", headers=h(keys["reviewer"])).status_code == 401
    code, output = banscreen("keys", "revoke", str(reviewer["id"]), "--db", db)
    assert code == 2 and "already revoked" in output
    # the admin route
    listed = client.get("/v1/keys", headers=h(keys["admin"])).json()["keys"]
    assert next(k for k in listed if k["id"] == reviewer["id"])["revoked"]
    assert "key_hash" not in json.dumps(listed)
    screener = next(k for k in listed if k["role"] == "screener")
    assert client.get("/v1/keys", headers=h(keys["screener"])).status_code == 403
    assert client.post(f"/v1/keys/{screener['id']}/revoke", headers=h(keys["admin"])).status_code == 200
    assert client.get("/v1/lists", headers=h(keys["screener"])).status_code == 401
    assert client.post("/v1/keys/99999/revoke", headers=h(keys["admin"])).status_code == 404


# Item 9: sessions and rate limits hold across two workers.

def test_two_workers_share_sessions_and_rate_limits(served_home):
    home, db, keys = served_home
    server = Served(home, db, "--rate", "0.01", "--burst", "30", workers=2)
    try:
        login = httpx.post(f"{server.url}/login", data={"key": keys["reviewer"]}, follow_redirects=False)
        cookie = {"banscreen_session": login.cookies["banscreen_session"]}
        codes = [httpx.get(f"{server.url}/alerts", cookies=cookie, follow_redirects=False).status_code
                 for _ in range(20)]  # a new connection each: the kernel spreads them over both workers
        assert codes == [200] * 20
        codes = [httpx.get(f"{server.url}/v1/lists", headers=h(keys["screener"])).status_code for _ in range(40)]
        assert codes.count(200) == 30 and codes[30:] == [429] * 10  # one bucket, not one per worker
    finally:
        server.stop()


# Item 14: unknown keys and logins are throttled; cookies; docs; sessions pruned.

def test_unknown_keys_and_failed_logins_are_throttled(bundled_home, tmp_path):
    cases, keys = seeded(f"sqlite:///{tmp_path / 'cases.db'}", bundled_home)
    client = TestClient(create_app(ListStore(bundled_home), cases, Settings(failures_per_minute=5)),
                        raise_server_exceptions=False)
    codes = [client.get("/v1/lists", headers=h(f"bsk_guess{i}")).status_code for i in range(14)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429] * 4
    r = client.post("/login", data={"key": "bsk_guess"}, follow_redirects=False)
    assert r.status_code == 429 and "too many failed attempts" in r.text
    assert client.get("/v1/lists", headers=h(keys["screener"])).status_code == 200  # real keys still work


def test_secure_cookie_over_https_and_no_cdn_docs(bundled_home, tmp_path):
    cases, keys = seeded(f"sqlite:///{tmp_path / 'cases.db'}", bundled_home)
    app = create_app(ListStore(bundled_home), cases)
    https = TestClient(app, base_url="https://testserver")
    r = https.post("/login", data={"key": keys["reviewer"]}, follow_redirects=False)
    assert "secure" in r.headers["set-cookie"].lower()
    plain = TestClient(app)
    r = plain.post("/login", data={"key": keys["reviewer"]}, follow_redirects=False)
    assert "secure" not in r.headers["set-cookie"].lower()
    forced = TestClient(create_app(ListStore(bundled_home), cases, Settings(secure_cookies=True)))
    assert "secure" in forced.post("/login", data={"key": keys["reviewer"]},
                                   follow_redirects=False).headers["set-cookie"].lower()
    assert plain.get("/docs").status_code == 404 and plain.get("/openapi.json").status_code == 200
    with_docs = TestClient(create_app(ListStore(bundled_home), cases, Settings(docs=True)))
    assert with_docs.get("/docs").status_code == 200


def test_expired_sessions_are_pruned(bundled_home, tmp_path):
    cases, keys = seeded(f"sqlite:///{tmp_path / 'cases.db'}", bundled_home)
    holder = cases.key_holder(keys["reviewer"])
    with cases.service.begin() as s:  # five sessions that expired an hour ago
        for i in range(5):
            s.add(WebSession(token_hash=f"{i:064d}", key_id=holder.key_id, csrf="x",
                             created_at=dt.datetime.now(dt.timezone.utc), expires_at=time.time() - 3600))
    assert cases.session_count() == 5
    token, _ = cases.open_session(holder, hours=1)
    assert cases.session_count() == 1 and cases.live_session(token) is not None


def test_a_killed_run_is_recorded_failed_at_the_next_start(tmp_path, lists_dir):
    db = f"sqlite:///{tmp_path / 'cases.db'}"
    big = tmp_path / "big.csv"
    big.write_text("name,country\n" + "".join(f"Trading House {i},AE\n" for i in range(200_000)))
    home = tmp_path / "home"
    env = dict(os.environ, BANSCREEN_HOME=str(home))
    proc = subprocess.Popen(BANSCREEN + ["screen", "parties", str(big), "--db", db, "-f", "json", "-o",
                                         str(tmp_path / "out.json")], env=env, stderr=subprocess.PIPE)
    cases = CaseStore(db)
    deadline = time.time() + 240
    while time.time() < deadline and not [r for r in cases.runs() if r.status == "running"]:
        assert proc.poll() is None, proc.stderr.read().decode()[-1000:]
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    with cases.engine.connect() as conn:
        assert conn.execute(text("select status from runs")).scalar_one() == "running"
    small = tmp_path / "small.csv"
    small.write_text("name\nAcme\n")
    done = subprocess.run(BANSCREEN + ["screen", "parties", str(small), "--db", db], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-1000:]
    with cases.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("select id, status from runs order by id"))] == \
            [(1, "failed"), (2, "completed")]
        reason = conn.execute(text("select payload from audit_events where action = 'run.failed'")).scalar_one()
    assert "ended without finishing" in reason
    assert cases.verify().ok


# Item 6: a NUL byte is one row's error, on PostgreSQL too; no SQL in messages.

def test_nul_byte_is_a_row_error_and_the_run_is_recorded(db_url, bundled_home, tmp_path, banscreen):
    parties = tmp_path / "nul.csv"
    parties.write_bytes(b"name,country\nZTE Corporation,CN\nEvil\x00Corp,US\nHuawei Technologies,CN\n")
    code, output = banscreen("screen", "parties", str(parties), "--db", db_url, "--home", str(bundled_home), "-f", "json")
    assert code == 2, output
    assert "nul.csv:3" in output and "NUL character" in output
    assert "INSERT" not in output and "SELECT" not in output
    cases = CaseStore(db_url)
    run = cases.runs(1)[0]
    assert run.status == "completed" and run.rows == 3
    assert {s.name for _, s in cases.alerts()} == {"ZTE Corporation", "Huawei Technologies"}


def test_database_errors_never_show_sql_or_parameters(tmp_path):
    from sqlalchemy.exc import IntegrityError

    from banscreen.store.engine import error_summary

    exc = IntegrityError("INSERT INTO subjects (name) VALUES (?)", ("Secret Party Ltd",),
                         Exception("UNIQUE constraint failed: subjects.key"))
    shown = error_summary(exc)
    assert shown == "Exception: UNIQUE constraint failed: subjects.key"
    assert "INSERT" not in shown and "Secret Party" not in shown


# Item 8: an XLSX decompression bomb is refused before it is inflated.

def test_xlsx_bomb_is_refused_with_little_memory(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                          'package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            block = b"<si><t>A</t></si>" * 65536
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(2**30 // len(block)):
                fh.write(block)
            fh.write(b"</sst>")
    assert bomb.stat().st_size < 4 * 2**20
    code = ("import sys\n"
            "from banscreen.sources.parties import read_parties\n"
            "from banscreen.sources import SourceError\n"
            "try:\n    list(read_parties(sys.argv[1]))\n"
            "except SourceError as exc:\n    print('refused:', exc)\n"
            # VmHWM, not ru_maxrss: the latter keeps the forking pytest's peak across exec
            "print('peak_kib', [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n")
    done = subprocess.run([sys.executable, "-c", code, str(bomb)], capture_output=True, text=True, timeout=300)
    assert "refused:" in done.stdout and "zip bomb limits" in done.stdout, done.stdout
    peak_mib = int(done.stdout.split("peak_kib")[1]) / 1024
    assert peak_mib < 200, f"peak {peak_mib:.0f} MiB"  # it took 2.4 GB before the check


def test_ordinary_xlsx_still_reads(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["name", "country"])
    wb.active.append(["ZTE Corporation", "CN"])
    wb.save(tmp_path / "p.xlsx")
    from banscreen.sources.parties import read_parties
    assert [s.name for s in read_parties(tmp_path / "p.xlsx")] == ["ZTE Corporation"]


# Item 10: audit verify sees a missing head, a cut-back chain and rows edited in SQL.

@pytest.fixture()
def recorded(db_url, bundled_home):
    cases, _ = seeded(db_url, bundled_home)
    return cases


def test_missing_chain_head_is_a_failure_and_writes_say_why(recorded):
    with recorded.engine.begin() as conn:
        conn.execute(text("delete from chain_head"))
    v = recorded.verify()
    assert not v.ok and "chain-head row is missing" in v.problem
    from banscreen.store import CaseError
    with pytest.raises(CaseError, match="head row is missing"):
        recorded.create_key("x", "screener")


def test_anchor_catches_a_chain_cut_back_with_its_head(recorded, tmp_path, banscreen):
    _, anchor = banscreen("audit", "anchor", "--db", recorded.url)
    (tmp_path / "anchor.jsonl").write_text(anchor)
    seq = json.loads(anchor)["seq"]
    assert banscreen("audit", "verify", "--anchor", str(tmp_path / "anchor.jsonl"), "--db", recorded.url)[0] == 0
    # delete the last events and roll the head back to the event before them: self-consistent
    with recorded.engine.begin() as conn:
        conn.execute(text("delete from audit_events where seq > :s"), {"s": seq - 3})
        prev = conn.execute(text("select hash from audit_events where seq = :s"), {"s": seq - 3}).scalar_one()
        conn.execute(text("update chain_head set seq = :s, hash = :h"), {"s": seq - 3, "h": prev})
    code, output = banscreen("audit", "verify", "--anchor", str(tmp_path / "anchor.jsonl"), "--db", recorded.url)
    assert code == 1 and "anchor records sequence" in output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    code, output = banscreen("audit", "verify", "--anchor", str(bad), "--db", recorded.url)
    assert code == 2 and "not an audit anchor" in output


def test_rows_edited_in_sql_disagree_with_the_chain(recorded):
    alert, _ = recorded.alerts()[0]
    recorded.decide(alert.id, "escalate", "rev", "looking")
    assert recorded.verify().ok
    with recorded.engine.begin() as conn:
        conn.execute(text("update alerts set status = 'closed' where id = :i"), {"i": alert.id})
        conn.execute(text("update decisions set reason = 'nothing to see' where alert_id = :i"), {"i": alert.id})
    v = recorded.verify()
    assert not v.ok and len(v.disagreements) == 2
    assert f"alert #{alert.id}: status is 'closed', the chain says 'open'" in v.disagreements[0]
    assert "reason differ" in v.disagreements[1]


# Item 11: the queue pages and filters in SQL, with counts.

def test_review_queue_pages_and_filters_in_sql(api_client, monkeypatch):
    client, keys = api_client
    monkeypatch.setattr(review_module, "PAGE_SIZE", 3)
    client.post("/login", data={"key": keys["reviewer"]})
    open_alerts = client.get("/v1/cases?limit=1000", headers=h(keys["reviewer"])).json()["alerts"]
    assert len(open_alerts) > 6
    seen = []
    pages = math.ceil(len(open_alerts) / 3)
    for n in range(1, pages + 1):
        page = client.get(f"/alerts?page={n}").text
        assert f"of <span id=\"total\">{len(open_alerts)}</span>" in page and f"page {n} of {pages}" in page
        seen += [int(x.split('"')[0]) for x in page.split('data-alert="')[1:]]
    assert seen == [a["id"] for a in open_alerts]
    # a name search counts every match, not those in the first page
    word = "huawei"
    matching = [a for a in open_alerts if word in f"{a['subject']} {a['entry_name']}".lower()]
    page = client.get(f"/alerts?q={word.upper()}").text
    assert f'<span id="total">{len(matching)}</span>' in page and len(matching) > 3
    assert client.get("/alerts?q=100%25").text.count("data-alert=") == 0  # LIKE wildcards are literal
    assert client.get("/alerts?status=bogus").status_code == 422


def test_a_name_longer_than_the_limit_is_a_row_error(bundled_home, tmp_path, banscreen):
    """A 5,000-character name (Chinese characters parted by dots: the matcher's work grows
    with its words) is reported with its file and line, not searched; the rows around it
    are screened, in a party file and in a shipment file."""
    from banscreen.model import MAX_NAME_CHARS

    long_name = "·".join(["马丁麦"] * 1250)
    assert len(long_name) > MAX_NAME_CHARS
    parties = tmp_path / "long.csv"
    parties.write_text(f"name,country\nZTE Corporation,CN\n{long_name},CN\nHuawei Technologies,CN\n", encoding="utf-8")
    code, output = banscreen("screen", "parties", str(parties), "--home", str(bundled_home), "-f", "json")
    assert code == 2, output
    assert "long.csv:3" in output and f"more than {MAX_NAME_CHARS:,}" in output
    assert "ZTE" in output and "HUAWEI" in output.upper()

    shipments = tmp_path / "ship.csv"
    shipments.write_text(f"shipment_id,consignee,destination_country,eccn\nS1,{long_name},CN,EAR99\n"
                         "S2,ZTE Corporation,CN,EAR99\n", encoding="utf-8")
    code, output = banscreen("screen", "shipments", str(shipments), "--home", str(bundled_home), "-f", "json")
    assert "ship.csv:2" in output and f"more than {MAX_NAME_CHARS:,}" in output, output
    assert "S2" in output
