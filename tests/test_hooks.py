"""Webhooks (store/hooks.py, screen/hooks.py, `banscreen hooks ...`), against a real HTTP
receiver on a loopback port: one that answers, one that answers 500, one that is slow,
and one that is not there. A screen's outcome never depends on the receiver."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from banscreen.screen.hooks import deliver_due, notify
from banscreen.store import CaseError, CaseStore
from banscreen.store.hooks import MAX_ATTEMPTS, retry_delay
from banscreen.store.schema import HookDelivery
from tests.test_cases import cli_call

REPO = Path(__file__).resolve().parents[1]
SECRET = "s3cret-for-the-receiver-0123456789"


class Receiver:
    """An HTTP server on a loopback port that records what it gets and answers as told:
    `status` (200, 500, ...) after `delay` seconds."""

    def __init__(self):
        self.received: list[dict] = []
        self.status, self.delay = 200, 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"  # nothing listens there any more


def start_a_run(cases: CaseStore) -> int:
    return cases.start_run(screen="parties", input_path="x", input_sha256="", as_of=dt.date(2026, 1, 1),
                           list_versions={}, options={})


def finish_run(cases: CaseStore, run_id: int) -> None:
    """Record the run (one unreadable row) and complete it: its run.completed event."""
    with cases.recording(run_id, {}, None) as recorder:
        recorder.add(None)


def complete_a_run(cases: CaseStore) -> None:
    finish_run(cases, start_a_run(cases))


def screen_example(monkeypatch, capsys, db: str, home: Path) -> tuple[int, str]:
    code, _, err = cli_call(monkeypatch, capsys, "screen", "parties", str(REPO / "examples" / "parties.csv"),
                            "--db", db, "--home", str(home), "--as-of", "2026-11-28", "-f", "json")
    return code, err


def test_a_screen_pushes_signed_events(db_url, bundled_home, receiver, monkeypatch, capsys):
    code, _, err = cli_call(monkeypatch, capsys, "hooks", "add", receiver.url, "--events",
                            "alert.opened,run.completed", "--secret", SECRET, "--db", db_url)
    assert "hook #1" in err
    code, err = screen_example(monkeypatch, capsys, db_url, bundled_home)
    assert code == 1 and "webhooks:" in err
    events = receiver.events()
    assert events.count("run.completed") == 1 and events.count("alert.opened") >= 5
    for got in receiver.received:  # every body signed with the hook's secret
        expected = "sha256=" + hmac.new(SECRET.encode(), got["body"], hashlib.sha256).hexdigest()
        assert got["headers"]["X-Banscreen-Signature"] == expected
        assert got["headers"]["Content-Type"] == "application/json"
    opened = next(json.loads(r["body"]) for r in receiver.received if b'"alert.opened"' in r["body"])
    assert opened["data"]["subject"]["name"] and opened["data"]["entry_key"] and opened["audit_seq"] > 0
    # the delivery log says so; nothing is sent twice
    code, out, _ = cli_call(monkeypatch, capsys, "hooks", "log", "--db", db_url, "-f", "json", "--limit", "1000")
    log = [json.loads(line) for line in out.splitlines()]
    assert len(log) == len(receiver.received) and {x["status"] for x in log} == {"delivered"}
    cli_call(monkeypatch, capsys, "hooks", "deliver", "--db", db_url)
    assert len(receiver.received) == len(log)
    # the hook's own set-up and events it did not ask for are not sent
    assert not {"hook.added", "run.started", "alert.reopened"} & set(events)


def test_a_failing_receiver_is_retried_and_redelivered(tmp_path, bundled_home, receiver, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'cases.db'}"
    cases = CaseStore(db)
    cases.add_hook(receiver.url, ["run.completed"], SECRET)
    receiver.status = 500
    code, err = screen_example(monkeypatch, capsys, db, bundled_home)
    assert code == 1 and "retried later" in err  # the screen's own outcome, whatever the receiver said
    (d,) = cases.deliveries()
    assert (d.status, d.attempts, d.last_code) == ("pending", 1, 500)
    next_at = d.next_at if d.next_at.tzinfo else d.next_at.replace(tzinfo=dt.timezone.utc)  # SQLite: naive UTC
    assert next_at > dt.datetime.now(dt.timezone.utc) + retry_delay(1) - dt.timedelta(seconds=5)
    # not due yet: `hooks deliver` leaves it alone
    code, out, _ = cli_call(monkeypatch, capsys, "hooks", "deliver", "--db", db)
    assert code == 0 and "0 attempted" in out and len(receiver.received) == 1
    receiver.status = 204
    code, out, _ = cli_call(monkeypatch, capsys, "hooks", "redeliver", str(d.id), "--db", db)
    assert code == 0 and "1 delivered" in out
    (d,) = cases.deliveries()
    assert d.status == "delivered" and receiver.received[-1]["body"] == receiver.received[0]["body"]
    assert receiver.received[-1]["headers"]["X-Banscreen-Delivery"] == str(d.id)


def test_attempts_run_out_then_the_delivery_fails(tmp_path, receiver):
    cases = CaseStore(f"sqlite:///{tmp_path / 'cases.db'}")
    cases.add_hook(receiver.url, ["run.completed"], SECRET)
    run_id = start_a_run(cases)
    receiver.status = 503
    assert cases.queue_hook_events() == 0  # the run has not completed: nothing to send yet
    finish_run(cases, run_id)
    assert cases.queue_hook_events() == 1
    for attempt in range(1, MAX_ATTEMPTS + 1):
        stats = deliver_due(cases, timeout=2)
        assert stats.attempted == 1
        with cases.sessions.begin() as s:  # as if the back-off had passed
            s.execute(HookDelivery.__table__.update().values(next_at=dt.datetime.now(dt.timezone.utc)))
    (d,) = cases.deliveries()
    assert d.status == "failed" and d.attempts == MAX_ATTEMPTS and d.last_code == 503
    assert deliver_due(cases).attempted == 0


def test_a_receiver_that_is_down_or_slow_costs_only_its_timeout(tmp_path, receiver):
    cases = CaseStore(f"sqlite:///{tmp_path / 'cases.db'}")
    cases.add_hook(_closed_port_url(), ["run.completed"], SECRET)
    cases.add_hook(receiver.url, ["run.completed"], SECRET)
    receiver.delay = 3.0  # slower than the timeout below
    complete_a_run(cases)
    stats = notify(cases, timeout=0.5)
    assert stats.queued == 2 and stats.attempted == 2 and stats.delivered == 0
    errors = {d.hook_id: d.last_error for d in cases.deliveries()}
    assert "Refused" in errors[1] or "refused" in errors[1]
    assert "timed out" in errors[2].lower() or "timeout" in errors[2].lower()
    assert {d.status for d in cases.deliveries()} == {"pending"}


def test_two_processes_queue_each_event_once(tmp_path, receiver):
    db = f"sqlite:///{tmp_path / 'cases.db'}"
    first, second = CaseStore(db), CaseStore(db)
    first.add_hook(receiver.url, ["run.completed", "run.failed"], SECRET)
    for _ in range(3):
        complete_a_run(first)
    threads = [threading.Thread(target=store.queue_hook_events) for store in (first, second, first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with first.readers() as s:
        assert s.execute(select(func.count()).select_from(HookDelivery)).scalar_one() == 3
    # and each is claimed by one sender only
    claims = [first.due_deliveries(), second.due_deliveries()]
    assert sorted(d.id for c in claims for d in c) == [1, 2, 3]


def test_hook_set_up_is_checked(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'cases.db'}"
    cases = CaseStore(db)
    for url in ("file:///etc/passwd", "ftp://example.org/x", "http://", "http://exa mple.org/"):
        with pytest.raises(CaseError):
            cases.add_hook(url, ["run.completed"], SECRET)
    with pytest.raises(CaseError, match="events must be"):
        cases.add_hook("https://example.org/hook", ["alert.deleted"], SECRET)
    with pytest.raises(CaseError, match="16 to 200"):
        cases.add_hook("https://example.org/hook", ["run.completed"], "short")
    code, out, err = cli_call(monkeypatch, capsys, "hooks", "add", "https://example.org/hook", "--db", db)
    assert code in (0, None) and len(out.strip()) >= 32  # a secret made here, printed once
    code, out, _ = cli_call(monkeypatch, capsys, "hooks", "list", "--db", db, "-f", "json")
    (hook,) = json.loads(out)
    assert hook["events"] == ["alert.opened", "alert.reopened", "run.completed"] and "secret" not in hook
    code, out, _ = cli_call(monkeypatch, capsys, "hooks", "remove", str(hook["id"]), "--db", db)
    assert "removed" in out
    code, _, err = cli_call(monkeypatch, capsys, "hooks", "remove", "99", "--db", db)
    assert code == 2 and "no hook 99" in err
    assert cases.verify().ok  # hook set-up is in the audit chain


def test_a_failing_receiver_is_asked_once_per_pass(tmp_path, receiver):
    """Many events for a receiver that is down: one attempt, the rest left due (not
    counted as attempts), so a screen with many alerts is not held up for each."""
    cases = CaseStore(f"sqlite:///{tmp_path / 'cases.db'}")
    cases.add_hook(_closed_port_url(), ["run.completed", "run.failed"], SECRET)
    cases.add_hook(receiver.url, ["run.completed", "run.failed"], SECRET)
    for _ in range(5):
        complete_a_run(cases)
    stats = notify(cases, timeout=0.5)
    assert stats.queued == 10 and stats.delivered == 5 and stats.attempted == 6 and stats.untried == 4
    down = [d for d in cases.deliveries() if d.hook_id == 1]
    assert sorted(d.attempts for d in down) == [0, 0, 0, 0, 1]
    assert len(cases.due_deliveries()) == 4  # due again at once, for the next pass
