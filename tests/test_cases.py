"""Cases, decisions, suppressions, the audit chain and delta re-screening, on SQLite
and on a real PostgreSQL server started by the tests (see tests/pg.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from banscreen.screen.record import record_results
from banscreen.screen.rescreen import rescreen
from banscreen.lists.store import ListStore
from banscreen.report.context import file_sha256
from banscreen.screen import ScreenOptions, open_screener
from banscreen.sources import read_parties
from banscreen.store import CaseError, CaseStore
from banscreen.store.schema import Base

REPO = Path(__file__).resolve().parents[1]

CUSTOM_V1 = """\
dataset: custom
published: 2026-01-15
entries:
  - id: acme-1
    list: EL
    kind: organization
    name: Acme Dual Use Trading Ltd
    aliases: [Acme DUT]
    countries: [AE]
    start: 2025-06-01
    citation: test fixture
"""
CUSTOM_V2 = CUSTOM_V1.replace("published: 2026-01-15", "published: 2026-06-15").replace(
    "    countries: [AE]\n", "    countries: [AE]\n    addresses: [\"Plot 12, Jebel Ali Free Zone, Dubai, AE\"]\n") + """\
  - id: borealis-2
    list: EL
    kind: organization
    name: Borealis Precision Optics LLC
    countries: [RU]
    start: 2026-05-01
    citation: test fixture
"""


def custom_store(tmp_path, version: str = CUSTOM_V1) -> ListStore:
    store = ListStore(tmp_path / "lists")
    f = tmp_path / f"custom-{len(version)}.yaml"
    f.write_text(version)
    store.import_file(f, format="telecom-yaml", dataset="custom")
    return store


def parties_file(tmp_path, rows: list[tuple[str, str, str]], name: str = "parties.csv") -> Path:
    f = tmp_path / name
    f.write_text("id,name,country,address\n" + "".join(f'{i},"{n}",{c},"{a}"\n' for i, n, c, a in rows))
    return f


def run(cases: CaseStore, store: ListStore, path: Path, as_of: dt.date, min_score: float = 0.75):
    screener, selection = open_screener(store, ScreenOptions(as_of=as_of, min_score=min_score))
    versions = {v.dataset: v.version for v in selection.versions}
    run_id = cases.start_run(screen="parties", input_path=str(path), input_sha256=file_sha256(path), as_of=as_of,
                             list_versions=versions, options={"min_score": min_score}, actor="tester")
    return record_results(cases, run_id, screener.screen_all(read_parties(path)), versions, actor="tester")


def cli_call(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """Runs the CLI in-process: (exit code, stdout, stderr)."""
    from banscreen import cli

    monkeypatch.setattr(sys, "argv", ["banscreen", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    c = capsys.readouterr()
    return exc.value.code, c.out, c.err


def open_alerts(cases: CaseStore) -> set[tuple[str, str]]:
    return {(s.key, a.entry_key) for a, s in cases.alerts("open", limit=100_000)}


def test_migrations_create_the_models_tables(db_url):
    cases = CaseStore(db_url)
    insp = inspect(cases.engine)
    for table in Base.metadata.sorted_tables:
        assert table.name in insp.get_table_names()
        assert {c["name"] for c in insp.get_columns(table.name)} == {c.name for c in table.columns}
    CaseStore(db_url)  # opening again: already at head, nothing to do


def test_run_alerts_decisions_and_suppression(db_url, tmp_path):
    store = custom_store(tmp_path)
    cases = CaseStore(db_url)
    f = parties_file(tmp_path, [("1", "ACME DUAL USE TRADING LIMITED", "AE", "Dubai"),
                                ("2", "Nordic Fibre Networks AB", "SE", "Stockholm")])
    first = run(cases, store, f, dt.date(2026, 3, 1))
    assert (first.rows, first.new) == (2, 1)
    [(alert, subject)] = cases.alerts()
    assert subject.key == "id:1" and alert.list == "EL" and alert.reason == "new match"
    assert run(cases, store, f, dt.date(2026, 3, 1)).new == 0  # the same alert, not a new one
    with pytest.raises(CaseError, match="decision must be one of"):
        cases.decide(alert.id, "looks fine", "bob", "x")
    cases.decide(alert.id, "false_positive", "alice", "a different Acme: Dubai registry number differs")
    again = run(cases, store, f, dt.date(2026, 3, 1))
    assert (again.new, again.reopened, again.suppressed) == (0, 0, 1)
    assert cases.alerts() == []
    _, _, decisions = cases.alert(alert.id)
    assert [(d.decision, d.reviewer) for d in decisions] == [("false_positive", "alice")]
    # the subject changes: the suppression lifts and the alert says why
    moved = parties_file(tmp_path, [("1", "ACME DUAL USE TRADING LIMITED", "AE", "Sharjah")], "moved.csv")
    reopened = run(cases, store, moved, dt.date(2026, 3, 1))
    assert reopened.reopened == 1
    [(alert2, _)] = cases.alerts()
    assert alert2.id == alert.id and "the subject changed" in alert2.reason
    assert cases.verify().ok


def test_suppressed_false_positive_returns_when_the_entry_changes(db_url, tmp_path):
    store = custom_store(tmp_path)
    cases = CaseStore(db_url)
    f = parties_file(tmp_path, [("1", "ACME DUAL USE TRADING LIMITED", "AE", "Dubai"),
                                ("2", "Borealis Precision Optics", "RU", "Moscow")])
    run(cases, store, f, dt.date(2026, 3, 1))
    [(alert, _)] = cases.alerts()
    cases.decide(alert.id, "false_positive", "alice", "different company")
    (tmp_path / "v2.yaml").write_text(CUSTOM_V2)
    store.import_file(tmp_path / "v2.yaml", format="telecom-yaml", dataset="custom")
    counts = rescreen(cases, store, dt.date(2026, 7, 1), 0.75, actor="scheduler")
    assert (counts.rows, counts.new, counts.reopened) == (2, 1, 1)
    alerts = {s.key: a for a, s in cases.alerts()}
    assert "the list entry changed (addresses)" in alerts["id:1"].reason
    assert f"decision #{cases.alert(alert.id)[2][0].id}" in alerts["id:1"].reason
    assert alerts["id:2"].entry_name == "Borealis Precision Optics LLC"  # newly listed in v2
    assert cases.runs()[0].screen == "rescreen" and cases.runs()[0].status == "completed"
    assert cases.verify().ok


def test_audit_verify_catches_edits_deletions_and_reordering(db_url, tmp_path):
    store = custom_store(tmp_path)
    cases = CaseStore(db_url)
    f = parties_file(tmp_path, [("1", "ACME DUAL USE TRADING LIMITED", "AE", "Dubai")])
    run(cases, store, f, dt.date(2026, 3, 1))
    [(alert, _)] = cases.alerts()
    cases.decide(alert.id, "true_match", "alice", "confirmed by legal")
    good = cases.verify()
    assert good.ok and good.events == 4  # run started, alert opened, run completed, decision made
    buf = io.StringIO()
    assert cases.export(buf) == good.events
    exported = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [e["seq"] for e in exported] == list(range(1, good.events + 1))
    assert exported[-1]["payload"]["reviewer"] == "alice"

    def raw(sql: str) -> None:
        with cases.engine.begin() as c:
            c.execute(text(sql))

    # someone rewrites the reviewer of the decision behind the tool's back
    raw("UPDATE audit_events SET payload = '{\"alert_id\": 1, \"decision\": \"true_match\", \"reviewer\": \"mallory\","
        " \"reason\": \"confirmed by legal\"}' WHERE seq = 4")
    broken = cases.verify()
    assert not broken.ok and broken.seq == 4 and "was edited" in broken.problem
    raw(f"UPDATE audit_events SET payload = '{json.dumps(exported[3]['payload'])}' WHERE seq = 4")
    assert cases.verify().ok
    raw("DELETE FROM audit_events WHERE seq = 2")
    deleted = cases.verify()
    assert not deleted.ok and deleted.seq == 3 and "deleted" in deleted.problem


def test_audit_verify_catches_reordering(db_url, tmp_path):
    store = custom_store(tmp_path)
    cases = CaseStore(db_url)
    run(cases, store, parties_file(tmp_path, [("1", "ACME DUAL USE TRADING LIMITED", "AE", "")]), dt.date(2026, 3, 1))
    with cases.engine.begin() as c:  # swap two events' places in the sequence
        c.execute(text("UPDATE audit_events SET seq = -1 WHERE seq = 1"))
        c.execute(text("UPDATE audit_events SET seq = 1 WHERE seq = 2"))
        c.execute(text("UPDATE audit_events SET seq = 2 WHERE seq = -1"))
    result = cases.verify()
    assert not result.ok and result.seq == 1


def test_delta_rescreen_on_real_list_versions(db_url, tmp_path, lists_dir):
    """DPL of 2018-08, then of 2023-11: the re-screen raises alerts only on the delta,
    closes those on removed or ended entries, and ends where a full screening would."""
    store = ListStore(tmp_path / "lists")
    old = store.import_file(lists_dir / "bis-dpl-2018-08_peoplecheck" / "dpl.txt").version
    new_path = lists_dir / "bis-dpl-2023-11_moov-watchman" / "dpl.txt"
    from banscreen.lists import DplLoader

    old_entries = store.entries(old)
    new_entries = DplLoader().load(new_path).entries
    old_keys = {e.key for e in old_entries}
    added = [e for e in new_entries if e.key not in old_keys and e.in_force(dt.date(2024, 1, 1))]
    persons = [e for e in old_entries if e.in_force(dt.date(2019, 1, 1))][:40] + added[:40]
    rows = [(str(i), e.name.title(), "", "") for i, e in enumerate(persons, 1)]
    rows += [(str(1000 + i), n, "", "") for i, n in enumerate(["Nordic Fibre Networks AB", "Acme Cable Supply LLC"])]
    f = parties_file(tmp_path, rows)
    cases = CaseStore(db_url)
    run(cases, store, f, dt.date(2019, 1, 1))
    before = open_alerts(cases)
    assert len(before) >= 35
    store.import_file(new_path)
    counts = rescreen(cases, store, dt.date(2024, 1, 1), 0.75)
    after = open_alerts(cases)
    diff = store.diff(old, store.version("bis-dpl"))
    delta_keys = {e.key for e in diff.added} | {b.key for _, b in diff.changed} | \
                 {e.key for e in store.entries(store.version("bis-dpl")) if e.start_date and
                  dt.date(2019, 1, 1) < e.start_date <= dt.date(2024, 1, 1)}
    assert after - before and all(k in delta_keys for _, k in after - before)  # new alerts only on the delta
    assert counts.closed >= len(before - after) > 0  # removed or ended listings closed
    # the same subjects screened from scratch as of 2024 give the same open alerts
    fresh = CaseStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    run(fresh, store, f, dt.date(2024, 1, 1))
    assert open_alerts(fresh) == after


def test_two_runs_at_once_lose_nothing(db_url, tmp_path):
    store = custom_store(tmp_path)
    cases = CaseStore(db_url)
    a = parties_file(tmp_path, [(str(i), f"ACME DUAL USE TRADING LIMITED {i}", "AE", "") for i in range(40)], "a.csv")
    b = parties_file(tmp_path, [(str(100 + i), "Acme DUT", "AE", "") for i in range(40)], "b.csv")
    open_screener(store, ScreenOptions(as_of=dt.date(2026, 3, 1)))  # build the index once, before the threads
    errors = []

    def go(path):
        try:
            run(cases, store, path, dt.date(2026, 3, 1))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cases.alerts(limit=1000)) == 80
    assert [r.status for r in cases.runs()] == ["completed", "completed"]
    assert cases.verify().ok


def test_a_killed_run_records_nothing_and_shows_failed(db_url, tmp_path, bundled_home):
    script = tmp_path / "slow_run.py"
    script.write_text(textwrap.dedent(f"""
        import datetime as dt, sys, time
        sys.path.insert(0, {str(REPO / 'src')!r})
        from banscreen.lists.store import ListStore
        from banscreen.screen import ScreenOptions, open_screener
        from banscreen.sources import read_parties
        from banscreen.store import CaseStore
        from banscreen.screen.record import record_results
        cases = CaseStore({db_url!r})
        screener, sel = open_screener(ListStore({str(bundled_home)!r}), ScreenOptions(as_of=dt.date(2026, 11, 28)))
        versions = {{v.dataset: v.version for v in sel.versions}}
        run_id = cases.start_run(screen="parties", input_path="x", input_sha256="", as_of=dt.date(2026, 11, 28),
                                 list_versions=versions, options={{}})
        def slow():
            for i, item in enumerate(screener.screen_all(read_parties({str(REPO / 'examples' / 'parties.csv')!r}))):
                if i == 10:
                    print("HALFWAY", flush=True)
                    time.sleep(600)
                yield item
        record_results(cases, run_id, slow(), versions)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        line = ""
        while "HALFWAY" not in line and time.time() < deadline:
            line = proc.stdout.readline()
        assert "HALFWAY" in line
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    cases = CaseStore(db_url)
    [r] = cases.runs()
    assert r.status == "failed" and r.rows == 0
    assert cases.alerts(status=None) == []
    assert cases.verify().ok  # the run's start is in the chain; nothing else of it


def test_cli_cases_and_audit(tmp_path, bundled_home, monkeypatch, capsys):

    db = f"sqlite:///{tmp_path / 'c.db'}"

    def call(*args):
        return cli_call(monkeypatch, capsys, *args)

    code, _, err = call("screen", "parties", str(REPO / "examples" / "parties.csv"), "-f", "json", "--db", db,
                        "--home", str(bundled_home))
    assert code == 1 and "recorded run #1" in err
    code, out, _ = call("cases", "list", "--db", db, "-f", "json", "--limit", "500")
    alerts = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(alerts) > 30 and {"id", "subject", "list", "entry_key", "reason"} <= set(alerts[0])
    code, out, _ = call("cases", "decide", str(alerts[0]["id"]), "--decision", "false_positive", "--reason",
                        "not them", "--reviewer", "alice", "--db", db)
    assert code == 0 and "false_positive by alice" in out
    code, out, _ = call("cases", "show", str(alerts[0]["id"]), "--db", db)
    shown = json.loads(out)
    assert shown["status"] == "closed" and shown["decisions"][0]["reviewer"] == "alice"
    assert shown["match"]["explanation"]["features"]
    code, out, _ = call("audit", "verify", "--db", db)
    assert code == 0 and "audit chain intact" in out
    code, _, err = call("cases", "decide", "999999", "--decision", "escalate", "--reason", "x", "--db", db)
    assert code == 2 and "no alert #999999" in err
    code, out, _ = call("rescreen", "--db", db, "--home", str(bundled_home))
    assert code == 0 and "rescreen run #" in out
    with CaseStore(db).engine.begin() as c:
        c.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    code, _, err = call("audit", "verify", "--db", db)
    assert code == 1 and "event id 2 (seq 2" in err


def test_same_subject_twice_in_a_file_is_recorded_row_by_row(db_url, tmp_path):
    """Results are written in batches; a subject id on several rows of one batch still
    ends as row-by-row recording would leave it: last row wins, with its history."""
    store = custom_store(tmp_path)
    cases = CaseStore(db_url)
    f = parties_file(tmp_path, [("7", "ACME DUAL USE TRADING LIMITED", "AE", "Dubai"),
                                ("7", "Nordic Fibre Networks AB", "SE", "Stockholm"),
                                ("8", "Nordic Fibre Networks AB", "SE", "Stockholm")])
    counts = run(cases, store, f, dt.date(2026, 3, 1))
    assert (counts.rows, counts.new, counts.closed) == (3, 1, 1)
    assert open_alerts(cases) == set()
    [(alert, subject)] = cases.alerts(None)
    assert subject.key == "id:7" and subject.name == "Nordic Fibre Networks AB" and alert.status == "closed"
    _, _, decisions = cases.alert(alert.id)
    assert [d.decision for d in decisions] == ["no_longer_matches"]
    assert cases.verify().ok


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_batch_size_does_not_change_what_is_recorded(db_url, tmp_path, monkeypatch, batch):
    from banscreen.store import engine as engine_module, runs as runs_module

    store = custom_store(tmp_path)
    rows = [(str(i), name, c, a) for i, (name, c, a) in enumerate([
        ("ACME DUAL USE TRADING LIMITED", "AE", "Dubai"), ("Nordic Fibre Networks AB", "SE", "Stockholm"),
        ("Acme DUT", "AE", ""), ("Acme Dual-Use Trading", "AE", ""), ("Baltic Cable Oy", "FI", ""),
        ("ACME DUAL USE TRADING LTD", "AE", "Jebel Ali")], 1)]
    f = parties_file(tmp_path, rows)

    def record(url):
        cases = CaseStore(url)
        run(cases, store, f, dt.date(2026, 3, 1))
        with cases.sessions() as s:
            actions = [a for (a,) in s.execute(text("SELECT action FROM audit_events ORDER BY seq"))]
        return cases, open_alerts(cases), actions

    reference, ref_open, ref_actions = record(f"sqlite:///{tmp_path / 'reference.db'}")
    monkeypatch.setattr(runs_module.Recorder, "BATCH", batch)
    monkeypatch.setattr(engine_module, "IN_CHUNK", batch)  # every IN (...) query, in slices of `batch`
    cases, batched_open, actions = record(db_url)
    assert batched_open == ref_open and len(ref_open) == 4
    assert sorted(actions) == sorted(ref_actions)  # same events; their order within a batch may differ
    assert cases.verify().ok


@pytest.mark.parametrize("args, expect", [
    (["cases", "show", "99999999999999999999999"], "no alert #99999999999999999999999"),
    (["cases", "show", "0"], "no alert #0"),
    (["cases", "decide", "99999999999999999999", "--decision", "false_positive", "--reason", "x", "--reviewer", "a"],
     "no alert #99999999999999999999"),
    (["cases", "list", "--limit", "99999999999999999999"], "less than or equal to 1000000"),
])
def test_cli_out_of_range_numbers_get_a_clear_error(tmp_path, monkeypatch, capsys, args, expect):
    from banscreen import cli

    monkeypatch.setattr(sys, "argv", ["banscreen", *args, "--db", f"sqlite:///{tmp_path / 'c.db'}"])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exc:
        cli.main()
    err = capsys.readouterr().err
    assert exc.value.code == 2 and expect in err and "internal error" not in err


def test_android_scan_recorded_as_cases(tmp_path, bundled_home, monkeypatch, capsys):
    """`android scan --db`: each flagged unit is a subject, each finding an alert; a
    false-positive decision keeps it quiet on the next scan; re-screening leaves it."""

    db = f"sqlite:///{tmp_path / 'c.db'}"
    captures = REPO / "tests" / "data" / "android"

    def call(*args):
        return cli_call(monkeypatch, capsys, *args)

    scan = ("android", "scan", str(captures / "dumpsys-package.txt"), str(captures / "getprop-zte.txt"),
            "-f", "json", "--db", db, "--home", str(bundled_home))
    code, _, err = call(*scan)
    assert code == 1 and "recorded run #1" in err
    cases = CaseStore(db)
    alerts = cases.alerts(limit=1000)
    lists = {a.list for a, _ in alerts}
    assert lists == {"ANDROID"}
    adups = [(a, s) for a, s in alerts if s.name == "com.adups.fota"]
    assert adups and all(s.key.startswith("id:android:") for _, s in adups)
    package_alert = next(a for a, _ in adups if a.entry_name == "ADUPS FOTA: package com.adups.fota")
    assert package_alert.score == 1.0 and "dumpsys-package.txt" in adups[0][1].address
    code, _, err = call(*scan)  # the same scan again: nothing new
    assert "0 new alerts" in err
    cases.decide(package_alert.id, "false_positive", "alice", "lab device, firmware replaced")
    code, _, err = call(*scan)
    assert "1 suppressed by earlier decisions" in err
    assert cases.alert(package_alert.id)[0].status == "closed"
    counts = rescreen(cases, ListStore(bundled_home), dt.date(2026, 11, 28), 0.75)
    assert counts.rows == 0  # Android units are not names to re-screen
    assert cases.verify().ok
